/**
 * Token-bucket arithmetic. A bucket holds up to one second of its rate (so a client can burst a second's
 * worth, then proceeds at the rate) and refills continuously. A client's bucket is one object, updated in
 * place for as long as the client is active: nothing is allocated per request.
 */
export interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** A new client's bucket: full. */
export function fullBucket(ratePerS: number, nowMs: number): Bucket {
  return { tokens: ratePerS, updatedMs: nowMs };
}

/**
 * Refills the bucket up to `nowMs` and takes `cost` tokens if it holds them. Returns 0 when they were taken,
 * else the whole seconds to wait before they would be (at least 1).
 */
export function take(bucket: Bucket, nowMs: number, cost: number, ratePerS: number): number {
  const tokens = refilled(bucket, nowMs, ratePerS);
  bucket.updatedMs = nowMs;
  if (tokens >= cost) {
    bucket.tokens = tokens - cost;
    return 0;
  }
  bucket.tokens = tokens;
  return secondsUntil(tokens, cost, ratePerS);
}

/** What take() would answer, without taking anything or touching the bucket. */
export function wait(bucket: Bucket, nowMs: number, cost: number, ratePerS: number): number {
  const tokens = refilled(bucket, nowMs, ratePerS);
  return tokens >= cost ? 0 : secondsUntil(tokens, cost, ratePerS);
}

function refilled(bucket: Bucket, nowMs: number, ratePerS: number): number {
  const elapsedS = Math.max(0, nowMs - bucket.updatedMs) / 1000;
  return Math.min(ratePerS, bucket.tokens + elapsedS * ratePerS);
}

/** Retry-After is whole seconds (RFC 9110); rounding up never invites a retry that would fail again. */
function secondsUntil(tokens: number, cost: number, ratePerS: number): number {
  return Math.max(1, Math.ceil((cost - tokens) / ratePerS));
}

/** A bucket that has refilled completely is the same as no bucket: it can be forgotten. */
export function isIdle(bucket: Bucket, nowMs: number, ratePerS: number): boolean {
  return bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * ratePerS >= ratePerS;
}
