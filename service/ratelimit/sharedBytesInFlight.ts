import { admission, type Admission, type InFlightAccount, type InFlightLimits } from './bytesInFlight.js';
import { KEY_BYTES } from './sharedLimiter.js';
import { slotHash, withTableLock } from './sharedTable.js';

/**
 * BytesInFlight for several worker threads: the total and each key's bytes in one SharedArrayBuffer, every
 * reserve and release under one lock, so the memory cap holds for the process however its answers spread
 * over the workers. Keys are API key ids (a few, from the key file); a key whose answers are all delivered
 * keeps its slot at 0 until the table fills, when the empty ones are dropped. A table full of keys with
 * answers in flight refuses a new key (429), never lets it through uncounted.
 *
 * Layout: [lock, used] as Int32, the total as Float64, then per slot its key's length (0: empty) as Int32,
 * its bytes as Float64 and its key's UTF-8 bytes.
 */
export interface SharedInFlightTable {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
}

export function sharedInFlightTable(slots: number): SharedInFlightTable {
  if (!Number.isInteger(Math.log2(slots)) || slots < 2) throw new RangeError(`slots must be a power of two, not ${slots}`);
  return { buffer: new SharedArrayBuffer(16 + slots * 4 + slots * 8 + slots * KEY_BYTES), slots };
}

export class SharedBytesInFlight implements InFlightAccount {
  private readonly header: Int32Array;
  private readonly total: Float64Array;
  private readonly lengths: Int32Array;
  private readonly bytesOf: Float64Array;
  private readonly keys: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly scratch = new Uint8Array(KEY_BYTES * 3);

  constructor(
    table: SharedInFlightTable,
    readonly limits: InFlightLimits,
  ) {
    const { buffer, slots } = table;
    this.header = new Int32Array(buffer, 0, 2);
    this.total = new Float64Array(buffer, 8, 1);
    this.lengths = new Int32Array(buffer, 16, slots);
    this.bytesOf = new Float64Array(buffer, 16 + slots * 4, slots);
    this.keys = new Uint8Array(buffer, 16 + slots * 12, slots * KEY_BYTES);
  }

  reserve(keyId: string, cost: number): Admission {
    return withTableLock(this.header, () => {
      const slot = this.slotOf(keyId);
      if (slot < 0) return 'key_full';
      const verdict = admission(this.total[0] ?? 0, this.bytesOf[slot] ?? 0, cost, this.limits);
      if (verdict !== 'admit') return verdict;
      this.total[0] = (this.total[0] ?? 0) + cost;
      this.bytesOf[slot] = (this.bytesOf[slot] ?? 0) + cost;
      return verdict;
    });
  }

  release(keyId: string, cost: number): void {
    withTableLock(this.header, () => {
      const slot = this.slotOf(keyId);
      this.total[0] = (this.total[0] ?? 0) - cost;
      if (slot >= 0) this.bytesOf[slot] = (this.bytesOf[slot] ?? 0) - cost;
    });
  }

  get bytes(): number {
    return withTableLock(this.header, () => this.total[0] ?? 0);
  }

  /** Keys with answers in flight now. */
  get keysInFlight(): number {
    return withTableLock(this.header, () => this.bytesOf.reduce((n, bytes, slot) => n + ((this.lengths[slot] ?? 0) > 0 && bytes > 0 ? 1 : 0), 0));
  }

  /** The key's slot, made if new; when the table is full, the keys with nothing in flight are dropped first. */
  private slotOf(keyId: string): number {
    const { written } = this.encoder.encodeInto(keyId, this.scratch);
    if (written > KEY_BYTES) throw new RangeError(`a key id is at most ${KEY_BYTES} bytes`);
    const key = this.scratch.subarray(0, written);
    const found = this.find(key);
    if (found >= 0 || (this.header[1] ?? 0) < this.lengths.length / 2) return found >= 0 ? found : this.insert(key);
    this.dropEmpty();
    return (this.header[1] ?? 0) < this.lengths.length / 2 ? this.insert(key) : -1;
  }

  private find(key: Uint8Array): number {
    const mask = this.lengths.length - 1;
    for (let slot = slotHash(key) & mask; (this.lengths[slot] ?? 0) !== 0; slot = (slot + 1) & mask)
      if (this.lengths[slot] === key.length && this.sameKey(slot, key)) return slot;
    return -1;
  }

  private insert(key: Uint8Array): number {
    const mask = this.lengths.length - 1;
    let slot = slotHash(key) & mask;
    while ((this.lengths[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
    this.keys.set(key, slot * KEY_BYTES);
    this.lengths[slot] = key.length;
    this.bytesOf[slot] = 0;
    this.header[1] = (this.header[1] ?? 0) + 1;
    return slot;
  }

  private dropEmpty(): void {
    const kept: { key: Uint8Array; bytes: number }[] = [];
    for (let slot = 0; slot < this.lengths.length; slot++) {
      const length = this.lengths[slot] ?? 0;
      if (length > 0 && (this.bytesOf[slot] ?? 0) > 0) kept.push({ key: this.keys.slice(slot * KEY_BYTES, slot * KEY_BYTES + length), bytes: this.bytesOf[slot] ?? 0 });
      this.lengths[slot] = 0;
    }
    this.header[1] = 0;
    for (const entry of kept) this.bytesOf[this.insert(entry.key)] = entry.bytes;
  }

  private sameKey(slot: number, key: Uint8Array): boolean {
    const base = slot * KEY_BYTES;
    for (let i = 0; i < key.length; i++) if (this.keys[base + i] !== key[i]) return false;
    return true;
  }
}
