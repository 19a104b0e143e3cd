// The Events one object may get for one reason: a burst, then one per period, as client-go's spam filter
// does, so a pod that flaps (or a thousand pods of one appliance) cannot flood the API server with Events.
export const EVENT_BURST = 10;
export const EVENT_PERIOD_MS = 5 * 60_000;

export class EventSpamFilter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst = EVENT_BURST,
    private readonly periodMs = EVENT_PERIOD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an Event of this (object, reason) may be recorded now; it is counted when it may. */
  allow(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.periodMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    this.forgetFull(now);
    return true;
  }

  /** A key whose bucket has filled up again is as good as new: forgotten, so deleted pods leave nothing behind. */
  private forgetFull(now: number): void {
    if (this.buckets.size < 1024) return;
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) / this.periodMs >= this.burst) this.buckets.delete(key);
  }
}
