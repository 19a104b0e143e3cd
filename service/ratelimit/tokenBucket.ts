/**
 * Token-bucket arithmetic, pure. A bucket holds up to one second of its rate (so a client can burst a
 * second's worth, then proceeds at the rate) and refills continuously.
 */
export interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type Verdict = { allowed: true; bucket: Bucket } | { allowed: false; bucket: Bucket; retryAfterS: number };

export function consume(bucket: Bucket | undefined, nowMs: number, cost: number, ratePerS: number): Verdict {
  const capacity = ratePerS;
  const elapsedS = bucket === undefined ? 0 : Math.max(0, nowMs - bucket.updatedMs) / 1000;
  const tokens = bucket === undefined ? capacity : Math.min(capacity, bucket.tokens + elapsedS * ratePerS);
  if (tokens >= cost) return { allowed: true, bucket: { tokens: tokens - cost, updatedMs: nowMs } };
  // Retry-After is whole seconds (RFC 9110); rounding up never invites a retry that would fail again.
  const retryAfterS = Math.max(1, Math.ceil((cost - tokens) / ratePerS));
  return { allowed: false, bucket: { tokens, updatedMs: nowMs }, retryAfterS };
}

/** A bucket that has refilled completely is the same as no bucket: it can be forgotten. */
export function isIdle(bucket: Bucket, nowMs: number, ratePerS: number): boolean {
  return bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * ratePerS >= ratePerS;
}
