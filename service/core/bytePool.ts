import { answerBuffer, wipeAnswer } from './answerBuffers.js';

/**
 * Bytes from one run of the core, waiting to be served. The core's output is read straight into a ring
 * buffer allocated once (no buffer per read, nothing for the garbage collector to chase); every byte leaves
 * the ring exactly once, copied into a buffer that belongs to one caller (or encoded as its text), and the
 * ring's copy is zeroed as it leaves. Requests are served in arrival order; a request larger than what is
 * buffered is filled as the core delivers, and once the ring is empty, straight from the socket.
 *
 * A pool belongs to one core process: when that process dies the pool fails for good (everything buffered is
 * zeroed, waiting callers are refused), so no byte of a dead core is ever served.
 */
export class PoolFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export class PoolTimeout extends Error {
  constructor(readonly waitedMs: number) {
    super(`the entropy core delivered too few bytes within ${waitedMs} ms`);
  }
}

interface Waiter {
  target: Buffer;
  filled: number;
  resolve: (bytes: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Up to this many bytes are zeroed one by one: Buffer#fill's argument handling costs more than that. */
const ZERO_BY_HAND = 64;

function zero(buffer: Buffer, start: number, end: number): void {
  if (end - start > ZERO_BY_HAND) buffer.fill(0, start, end);
  else for (let i = start; i < end; i++) buffer[i] = 0;
}

/** Reads into a full ring land here (at most one read, right after a pause) and are moved in on commit. */
const SCRATCH_BYTES = 64 * 1024;
/** Below this much free space the reader pauses rather than issue ever smaller reads. */
const PAUSE_BELOW_FREE = 64 * 1024;

export class BytePool {
  private readonly ring: Buffer;
  private readonly scratch = Buffer.alloc(SCRATCH_BYTES);
  /** Bytes ever consumed and ever written: the ring holds [head, tail), at positions modulo capacity. */
  private head = 0;
  private tail = 0;
  private readonly waiters: Waiter[] = [];
  /** The region `writable()` last offered inside a waiter's memory, until the read into it is committed. */
  private direct: { waiter: Waiter; region: Buffer } | null = null;
  private paused = false;
  private failure: string | null = null;

  /**
   * @param capacity bytes the ring holds (at least twice the scratch size, so a resumed read always fits)
   * @param onSpace called once the pool has drained to half its capacity after asking for a pause
   */
  constructor(
    readonly capacity: number,
    private readonly onSpace: () => void,
  ) {
    if (capacity < 2 * SCRATCH_BYTES) throw new RangeError(`pool capacity must be at least ${2 * SCRATCH_BYTES} bytes`);
    this.ring = Buffer.alloc(capacity);
  }

  get level(): number {
    return this.tail - this.head;
  }

  get failed(): string | null {
    return this.failure;
  }

  /**
   * Where the next read from the core should land: the memory of the first waiting caller when nothing is
   * buffered (those bytes are its own, and skip the ring: no copy out of it, no zeroing in it), else free space
   * in the ring, or scratch when it is full.
   */
  writable(): Buffer {
    this.direct = null;
    if (this.failure !== null) return this.scratch;
    const first = this.waiters[0];
    if (first !== undefined && this.level === 0) {
      this.direct = { waiter: first, region: first.target.subarray(first.filled) };
      return this.direct.region;
    }
    const free = this.capacity - this.level;
    if (free === 0) return this.scratch;
    const start = this.tail % this.capacity;
    return this.ring.subarray(start, start + Math.min(free, this.capacity - start));
  }

  /**
   * Records `n` bytes read into `buffer` (the last result of `writable()`), hands them to waiting callers,
   * and returns false when the reader should pause.
   */
  commit(buffer: Buffer, n: number): boolean {
    if (this.failure !== null) {
      buffer.fill(0, 0, n);
      return false;
    }
    const direct = this.direct;
    if (direct !== null && buffer === direct.region) {
      this.direct = null;
      this.commitDirect(direct.waiter, buffer, n);
      return !this.paused;
    }
    if (buffer === this.scratch) {
      this.copyIn(this.scratch, n);
      this.scratch.fill(0, 0, n);
    } else {
      this.tail += n;
    }
    this.serveWaiters();
    this.paused = this.capacity - this.level < PAUSE_BELOW_FREE;
    return !this.paused;
  }

  /** `n` bytes now, or null if they are not buffered or earlier callers are still waiting. */
  takeNow(n: number): Buffer | null {
    if (this.failure !== null) throw new PoolFailed(this.failure);
    if (this.waiters.length > 0 || this.level < n) return null;
    const out = answerBuffer(n);
    this.drainInto(out, 0, n);
    this.afterDrain();
    return out;
  }

  /**
   * `n` bytes now as hex or base64 text, or null as for `takeNow`. The text is encoded straight from the ring,
   * which is zeroed at once: no copy of the bytes is left for anyone to wipe.
   */
  takeTextNow(n: number, encoding: 'hex' | 'base64'): string | null {
    if (this.failure !== null) throw new PoolFailed(this.failure);
    if (this.waiters.length > 0 || this.level < n) return null;
    const start = this.head % this.capacity;
    if (start + n > this.capacity) {
      // The bytes wrap around the end of the ring, where base64 cannot be cut in two: they are copied once.
      const bytes = this.takeNow(n) as Buffer;
      const text = bytes.toString(encoding);
      wipeAnswer(bytes);
      return text;
    }
    const text = this.ring.toString(encoding, start, start + n);
    zero(this.ring, start, start + n);
    this.head += n;
    this.afterDrain();
    return text;
  }

  /** `n` bytes, waiting up to `timeoutMs` for the core to deliver them. */
  take(n: number, timeoutMs: number): Promise<Buffer> {
    const now = this.takeNow(n);
    if (now !== null) return Promise.resolve(now);
    return new Promise<Buffer>((resolve, reject) => {
      const target = answerBuffer(n);
      // Only the first waiter ever sees buffered bytes: while anyone waits, incoming bytes go to waiters.
      let filled = 0;
      if (this.waiters.length === 0) {
        filled = this.level;
        this.drainInto(target, 0, filled);
        this.afterDrain();
      }
      const waiter: Waiter = { target, filled, resolve, reject, timer: setTimeout(() => this.expire(waiter, timeoutMs), timeoutMs) };
      this.waiters.push(waiter);
    });
  }

  /** Ends the pool: zeroes the ring, the scratch and every partly filled request, refuses all waiters. */
  fail(reason: string): void {
    if (this.failure !== null) return;
    this.failure = reason;
    this.ring.fill(0);
    this.scratch.fill(0);
    this.head = this.tail;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.target.fill(0);
      waiter.reject(new PoolFailed(reason));
    }
  }

  /**
   * Bytes read straight into a waiter's memory. A waiter that timed out in the meantime has been refused and
   * its memory zeroed: what landed there is zeroed too, and never served.
   */
  private commitDirect(waiter: Waiter, region: Buffer, n: number): void {
    if (this.waiters[0] !== waiter) {
      region.fill(0, 0, n);
      return;
    }
    waiter.filled += n;
    if (waiter.filled < waiter.target.length) return;
    this.waiters.shift();
    clearTimeout(waiter.timer);
    waiter.resolve(waiter.target);
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.level > 0) {
      const waiter = this.waiters[0] as Waiter;
      const count = Math.min(this.level, waiter.target.length - waiter.filled);
      this.drainInto(waiter.target, waiter.filled, count);
      waiter.filled += count;
      if (waiter.filled < waiter.target.length) break;
      this.waiters.shift();
      clearTimeout(waiter.timer);
      waiter.resolve(waiter.target);
    }
    this.afterDrain();
  }

  /** Copies `count` bytes from the head of the ring into `out` at `offset`, zeroing them in the ring. */
  private drainInto(out: Buffer, offset: number, count: number): void {
    let done = 0;
    while (done < count) {
      const start = this.head % this.capacity;
      const length = Math.min(count - done, this.capacity - start);
      this.ring.copy(out, offset + done, start, start + length);
      zero(this.ring, start, start + length);
      this.head += length;
      done += length;
    }
  }

  /** Appends `n` bytes of `source` at the tail of the ring; the caller has made sure they fit. */
  private copyIn(source: Buffer, n: number): void {
    let done = 0;
    while (done < n) {
      const start = this.tail % this.capacity;
      const length = Math.min(n - done, this.capacity - start);
      source.copy(this.ring, start, done, done + length);
      this.tail += length;
      done += length;
    }
  }

  private afterDrain(): void {
    if (this.paused && this.level <= this.capacity / 2) {
      this.paused = false;
      this.onSpace();
    }
  }

  private expire(waiter: Waiter, timeoutMs: number): void {
    const index = this.waiters.indexOf(waiter);
    if (index === -1) return;
    this.waiters.splice(index, 1);
    // Bytes already copied to this caller are discarded, never handed to anyone else.
    waiter.target.fill(0);
    waiter.reject(new PoolTimeout(timeoutMs));
  }
}
