import { consume, isIdle, type Bucket } from './tokenBucket.js';

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

const ALLOWED: LimitVerdict = { allowed: true };

/**
 * Token buckets by client (a key id or an IP address). Full buckets are dropped every sweep, so memory
 * follows the number of clients active in the last second or so, not every client ever seen.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** @param ratePerS tokens per second per client; 0 switches the limit off */
  constructor(readonly ratePerS: number) {}

  check(client: string, cost: number, nowMs: number): LimitVerdict {
    if (this.ratePerS === 0) return ALLOWED;
    const verdict = consume(this.buckets.get(client), nowMs, cost, this.ratePerS);
    this.buckets.set(client, verdict.bucket);
    return verdict.allowed ? ALLOWED : { allowed: false, retryAfterS: verdict.retryAfterS };
  }

  sweep(nowMs: number): void {
    for (const [client, bucket] of this.buckets) if (isIdle(bucket, nowMs, this.ratePerS)) this.buckets.delete(client);
  }

  get clients(): number {
    return this.buckets.size;
  }
}
