// The VRF threads (worker.ts) and the work in flight on them. Bounded: a request beyond the queue is
// refused at once (503) rather than waiting without limit; a thread that dies fails its requests and is
// replaced, and a thread that dies over and over leaves the pool failed (every request 503) until reloaded.
import { Worker } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest, ThreadSetup } from './workerProtocol.js';

/** Requests waiting per thread: at ~1 ms each, 64 is well under a client's patience and a few MiB at most. */
const QUEUE_PER_THREAD = 64;
/** Replacements of dead threads allowed per minute before the pool gives up. */
const RESTARTS_PER_MINUTE = 5;

export class PoolBusy extends Error {}
export class ThreadFailed extends Error {}

type Pending = { resolve: (body: Uint8Array) => void; reject: (err: Error) => void };

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

type Work = { type: 'answer'; alphaHex: string; nowMs: number } | { type: 'pulse'; round: number };

export class ThreadPool {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private restarts: number[] = [];
  private failure: string | null = null;
  private closed = false;

  private constructor(
    private readonly setup: ThreadSetup,
    private readonly size: number,
  ) {}

  /** Starts `size` threads and sets each up; rejects with the keyset's problem if a thread refuses it. */
  static async start(setup: ThreadSetup, size: number): Promise<ThreadPool> {
    const pool = new ThreadPool(setup, size);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    const thread: Thread = { worker, pending: new Map() };
    this.threads.push(thread);
    worker.on('message', (reply: ThreadReply) => {
      const pending = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      if (reply.ok) pending?.resolve(reply.body);
      else pending?.reject(new ThreadFailed(reply.detail));
    });
    worker.on('error', (err) => this.lost(thread, `a VRF thread failed: ${err.message}`));
    worker.on('exit', (code) => this.lost(thread, `a VRF thread exited (${code})`));
    return this.send(thread, { type: 'setup', id: 0, setup: this.setup }).then(() => undefined);
  }

  private lost(thread: Thread, why: string): void {
    const index = this.threads.indexOf(thread);
    if (index < 0) return;
    this.threads.splice(index, 1);
    for (const pending of thread.pending.values()) pending.reject(new ThreadFailed(why));
    thread.pending.clear();
    if (this.closed) return;
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < 60_000), now];
    if (this.restarts.length > RESTARTS_PER_MINUTE) {
      this.failure = `${why}; ${RESTARTS_PER_MINUTE} replacements in a minute, so the VRF threads are given up`;
      return;
    }
    this.spawn().catch((err: Error) => (this.failure = err.message));
  }

  private send(thread: Thread, request: ThreadRequest): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      thread.pending.set(request.id, { resolve, reject });
      thread.worker.postMessage(request);
    });
  }

  /** The JSON of an answer or a pulse (UTF-8), from the least busy thread. */
  run(work: Work): Promise<Uint8Array> {
    if (this.failure !== null) return Promise.reject(new ThreadFailed(this.failure));
    let best: Thread | undefined;
    for (const thread of this.threads) if (best === undefined || thread.pending.size < best.pending.size) best = thread;
    if (best === undefined || best.pending.size >= QUEUE_PER_THREAD) {
      return Promise.reject(new PoolBusy(`the VRF threads are busy: ${this.size * QUEUE_PER_THREAD} requests are waiting; retry shortly`));
    }
    return this.send(best, { ...work, id: this.nextId++ });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
