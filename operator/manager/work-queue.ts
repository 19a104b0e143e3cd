// A keyed work queue in the manner of client-go's: a key waits at most once (duplicates merge), one
// handler runs per key at a time (a key that changes while it runs is run again afterwards), failures
// retry with capped exponential backoff, a handler that returns `requeueAfter` is called again by then at
// the latest, and a forgotten key (its object is gone) loses its timers and failure history.

export interface WorkQueueOptions {
  /** Handlers that may run at once, for different keys. */
  workers: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called when a handler throws; the key is retried after the backoff. */
  onError?: (key: string, error: unknown, attempt: number) => void;
}

export type Handler = (key: string) => Promise<{ requeueAfter?: number } | void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: Handler,
    private readonly options: WorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Adds the key after a delay; of two pending delays for the same key, the one that ends first wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { timer, at });
  }

  /** Forgets a key whose object is gone: its pending delay and failure history. */
  forget(key: string): void {
    this.failures.delete(key);
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending.timer);
    this.timers.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Stops taking work and waits for running handlers to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.workers && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      if (result?.requeueAfter !== undefined) this.addAfter(key, result.requeueAfter);
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onError?.(key, error, attempt);
      const delay = Math.min(this.options.baseDelayMs * 2 ** (attempt - 1), this.options.maxDelayMs);
      this.addAfter(key, delay);
    } finally {
      this.running.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      if (this.active === 0 && this.stopped) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.pump();
    }
  }
}
