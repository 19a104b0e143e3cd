import { fullBucket, isIdle, take, wait, type Bucket } from './tokenBucket.js';

/**
 * Token buckets by client (a key id or an IP address). Full buckets are dropped every sweep, so memory
 * follows the number of clients active in the last second or so, not every client ever seen.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** @param ratePerS tokens per second per client; 0 switches the limit off */
  constructor(readonly ratePerS: number) {}

  /** 0 when the client may spend `cost` now (and it is charged), else the whole seconds to wait. */
  check(client: string, cost: number, nowMs: number): number {
    if (this.ratePerS === 0) return 0;
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      bucket = fullBucket(this.ratePerS, nowMs);
      this.buckets.set(client, bucket);
    }
    return take(bucket, nowMs, cost, this.ratePerS);
  }

  /** What check() would answer, charging nothing: for limits that charge only some outcomes. */
  peek(client: string, cost: number, nowMs: number): number {
    if (this.ratePerS === 0) return 0;
    const bucket = this.buckets.get(client);
    return bucket === undefined ? 0 : wait(bucket, nowMs, cost, this.ratePerS);
  }

  sweep(nowMs: number): void {
    for (const [client, bucket] of this.buckets) if (isIdle(bucket, nowMs, this.ratePerS)) this.buckets.delete(client);
  }

  get clients(): number {
    return this.buckets.size;
  }
}
