// A client-side request budget, as client-go's (5 QPS, burst 10 there): `burst` requests at once, then
// `perSecond`. A request is never refused, only delayed: take() reserves a token and says how long to wait
// for it, so callers go out in order and the API server never sees more than the budget. A 429 from the
// API server's priority and fairness pauses every request for its Retry-After.
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;
  private pausedUntilMs = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.updatedMs = now();
  }

  /** Takes one token; resolves how many ms the request must wait before it goes (0: at once). */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedMs) / 1000) * this.perSecond);
    this.updatedMs = now;
    this.tokens -= 1;
    const forToken = this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
    return Math.max(forToken, this.pausedUntilMs - now);
  }

  /** The API server asked for a pause (429 Retry-After): nothing goes before it is over. */
  pause(ms: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.now() + ms);
  }
}
