import { isIdle, take, wait, type Bucket } from './tokenBucket.js';
import { slotHash, withTableLock } from './sharedTable.js';

/**
 * Token buckets by client, as RateLimiter keeps them, in one SharedArrayBuffer that every worker thread of
 * the service maps (issue 17: the service on every core): a client's limit holds exactly across workers,
 * because every take runs under one table lock. The table has a fixed number of slots; when every slot
 * holds an active client, a new client is refused (fail closed: check() answers 1 second) rather than
 * let through unlimited.
 *
 * Layout of the buffer: [lock, used, seed] as Int32, then per slot its key's length (0: empty) as Int32,
 * its tokens and last update as Float64 (an update of -1: a new client, whose bucket is full), and its key's bytes (UTF-8, at most KEY_BYTES; a key id or an
 * IP address is far shorter, and a longer client name is refused by the caller's validation before here).
 */
export const KEY_BYTES = 64;
const HEADER_INTS = 4; // lock, used, seed, padding (keeps the Float64 section 8-byte aligned)
const MAX_PROBES = 64;

export interface SharedLimiterTable {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
}

/** A table for `slots` clients (a power of two), to hand to every worker (postMessage, workerData). */
export function sharedLimiterTable(slots: number, seed: number): SharedLimiterTable {
  if (!Number.isInteger(Math.log2(slots)) || slots < 2) throw new RangeError(`slots must be a power of two, not ${slots}`);
  const buffer = new SharedArrayBuffer(HEADER_INTS * 4 + slots * 4 + slots * 16 + slots * KEY_BYTES);
  new Int32Array(buffer, 0, HEADER_INTS)[2] = seed | 0;
  return { buffer, slots };
}

export class SharedRateLimiter {
  private readonly header: Int32Array;
  private readonly lengths: Int32Array;
  private readonly numbers: Float64Array; // tokens, updatedMs per slot
  private readonly keys: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly scratch = new Uint8Array(KEY_BYTES * 3);
  private readonly bucket: Bucket = { tokens: 0, updatedMs: 0 };

  /** @param ratePerS tokens per second per client; 0 switches the limit off */
  constructor(table: SharedLimiterTable, readonly ratePerS: number) {
    const { buffer, slots } = table;
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.lengths = new Int32Array(buffer, HEADER_INTS * 4, slots);
    this.numbers = new Float64Array(buffer, HEADER_INTS * 4 + slots * 4, slots * 2);
    this.keys = new Uint8Array(buffer, HEADER_INTS * 4 + slots * 4 + slots * 16, slots * KEY_BYTES);
  }

  /** 0 when the client may spend `cost` now (and it is charged), else the whole seconds to wait. */
  check(client: string, cost: number, nowMs: number): number {
    if (this.ratePerS === 0) return 0;
    return withTableLock(this.header, () => {
      const slot = this.slotOf(client, true);
      if (slot < 0) return 1;
      return this.withBucket(slot, (bucket, now) => take(bucket, now, cost, this.ratePerS), nowMs);
    });
  }

  /** What check() would answer, charging nothing. */
  peek(client: string, cost: number, nowMs: number): number {
    if (this.ratePerS === 0) return 0;
    return withTableLock(this.header, () => {
      const slot = this.slotOf(client, false);
      return slot < 0 ? 0 : this.withBucket(slot, (bucket, now) => wait(bucket, now, cost, this.ratePerS), nowMs);
    });
  }

  /** Forgets the clients whose buckets have refilled, re-placing the others so that lookups find them. */
  sweep(nowMs: number): void {
    withTableLock(this.header, () => {
      const kept: { key: Uint8Array; tokens: number; updatedMs: number }[] = [];
      for (let slot = 0; slot < this.lengths.length; slot++) {
        const length = this.lengths[slot] ?? 0;
        if (length === 0) continue;
        const tokens = this.numbers[slot * 2] ?? 0;
        const updatedMs = this.numbers[slot * 2 + 1] ?? 0;
        if (!isIdle({ tokens, updatedMs }, nowMs, this.ratePerS))
          kept.push({ key: this.keys.slice(slot * KEY_BYTES, slot * KEY_BYTES + length), tokens, updatedMs });
        this.lengths[slot] = 0;
      }
      this.header[1] = 0;
      for (const entry of kept) {
        const slot = this.place(entry.key);
        this.numbers[slot * 2] = entry.tokens;
        this.numbers[slot * 2 + 1] = entry.updatedMs;
      }
    });
  }

  get clients(): number {
    return Atomics.load(this.header, 1);
  }

  /**
   * `use` sees the bucket at a time no earlier than its last update: another worker may have taken from it
   * after this one read the clock, and a bucket moved back in time would refill the same interval twice.
   */
  private withBucket(slot: number, use: (bucket: Bucket, nowMs: number) => number, nowMs: number): number {
    const fresh = this.numbers[slot * 2 + 1] === -1;
    this.bucket.tokens = fresh ? this.ratePerS : (this.numbers[slot * 2] ?? 0);
    this.bucket.updatedMs = fresh ? nowMs : (this.numbers[slot * 2 + 1] ?? 0);
    const answer = use(this.bucket, Math.max(nowMs, this.bucket.updatedMs));
    this.numbers[slot * 2] = this.bucket.tokens;
    this.numbers[slot * 2 + 1] = this.bucket.updatedMs;
    return answer;
  }

  /** The client's slot; with `insert`, a new one (its bucket marked fresh) when it has none: -1 if full. */
  private slotOf(client: string, insert: boolean): number {
    const { written } = this.encoder.encodeInto(client, this.scratch);
    if (written > KEY_BYTES) throw new RangeError(`a rate-limited client name is at most ${KEY_BYTES} bytes`);
    const key = this.scratch.subarray(0, written);
    const mask = this.lengths.length - 1;
    for (let probe = 0, slot = slotHash(key, this.header[2] ?? 0) & mask; probe < MAX_PROBES; probe++, slot = (slot + 1) & mask) {
      const length = this.lengths[slot] ?? 0;
      if (length === 0) {
        if (!insert) return -1;
        this.store(slot, key);
        this.numbers[slot * 2 + 1] = -1;
        return slot;
      }
      if (length === written && this.sameKey(slot, key)) return slot;
    }
    return -1;
  }

  private place(key: Uint8Array): number {
    const mask = this.lengths.length - 1;
    let slot = slotHash(key, this.header[2] ?? 0) & mask;
    while ((this.lengths[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
    this.store(slot, key);
    return slot;
  }

  private store(slot: number, key: Uint8Array): void {
    this.keys.set(key, slot * KEY_BYTES);
    this.lengths[slot] = key.length;
    this.header[1] = (this.header[1] ?? 0) + 1;
  }

  private sameKey(slot: number, key: Uint8Array): boolean {
    const base = slot * KEY_BYTES;
    for (let i = 0; i < key.length; i++) if (this.keys[base + i] !== key[i]) return false;
    return true;
  }
}
