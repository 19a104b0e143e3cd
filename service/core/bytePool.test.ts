import { jest } from '@jest/globals';
import fc from 'fast-check';
import { BytePool, PoolFailed, PoolTimeout } from './bytePool.js';

const KIB = 1024;

/** Bytes numbered so that every 2-byte word of the stream is distinct within 2^16 positions: easy to audit. */
function numbered(words: number, from = 0): Buffer {
  const out = Buffer.alloc(words * 2);
  for (let i = 0; i < words; i++) out.writeUInt16BE((from + i) & 0xffff, i * 2);
  return out;
}

/** Plays the socket: reads land in whatever `writable()` offers, as many as the pool accepts before pausing. */
function feed(pool: BytePool, data: Buffer): number {
  let offset = 0;
  while (offset < data.length) {
    const target = pool.writable();
    const n = Math.min(target.length, data.length - offset);
    data.copy(target, 0, offset, offset + n);
    offset += n;
    if (!pool.commit(target, n)) break;
  }
  return offset;
}

/** What the core writes in the interleaving test: more than 60 reads of at most 80,000 bytes. */
const STREAM = numbered(2_500_000);

describe('BytePool', () => {
  it('hands out bytes in order, each once, and zeroes what it gave away', () => {
    const pool = new BytePool(256 * KIB, () => undefined);
    const data = numbered(8);
    feed(pool, data);
    const first = pool.takeNow(5) as Buffer;
    const second = pool.takeNow(11) as Buffer;
    expect(Buffer.concat([first, second])).toEqual(data);
    expect(pool.level).toBe(0);
    expect(pool.takeNow(1)).toBeNull();
  });

  it('zeroes the ring as bytes leave it', () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const region = pool.writable();
    region.fill(0xab, 0, 100);
    pool.commit(region, 100);
    pool.takeNow(100);
    expect(region.subarray(0, 100).equals(Buffer.alloc(100))).toBe(true);
  });

  it('encodes text straight from the ring, zeroing it, also where the bytes wrap around its end', () => {
    const capacity = 128 * KIB;
    const pool = new BytePool(capacity, () => undefined);
    const data = numbered(capacity / 2 + 8); // 16 bytes past one full ring
    const region = pool.writable();
    data.copy(region, 0, 0, capacity);
    pool.commit(region, capacity);
    expect(pool.takeTextNow(capacity - 6, 'hex')).toBe(data.subarray(0, capacity - 6).toString('hex'));
    expect(region.subarray(0, capacity - 6).equals(Buffer.alloc(capacity - 6))).toBe(true);
    expect(pool.takeTextNow(7, 'base64')).toBeNull();
    feed(pool, data.subarray(capacity));
    expect(pool.takeTextNow(22, 'base64')).toBe(data.subarray(capacity - 6).toString('base64'));
    expect(pool.level).toBe(0);
    expect(region.equals(Buffer.alloc(capacity))).toBe(true);
  });

  it('wraps around the ring without losing or repeating a byte', () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const data = numbered(96 * KIB); // 192 KiB through a 128 KiB ring
    const served: Buffer[] = [];
    let offset = 0;
    while (offset < data.length) {
      offset += feed(pool, data.subarray(offset, Math.min(data.length, offset + 50_000)));
      served.push(pool.takeNow(pool.level) as Buffer);
    }
    expect(Buffer.concat(served).equals(data)).toBe(true);
  });

  it('asks the reader to pause when nearly full and to resume at half capacity', () => {
    const onSpace = jest.fn();
    const pool = new BytePool(256 * KIB, onSpace);
    expect(feed(pool, Buffer.alloc(300 * KIB, 1))).toBe(256 * KIB); // paused once the ring is full
    expect(pool.writable().length).toBe(64 * KIB); // a read already under way lands in scratch
    pool.takeNow(100 * KIB);
    expect(onSpace).not.toHaveBeenCalled();
    pool.takeNow(28 * KIB);
    expect(onSpace).toHaveBeenCalledTimes(1);
  });

  it('moves a read that landed in scratch into the ring on commit', () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    feed(pool, numbered(64 * KIB)); // full
    const scratch = pool.writable();
    pool.takeNow(64 * KIB); // room again, as after a resume
    scratch.write('late bytes');
    pool.commit(scratch, 10);
    expect(scratch.subarray(0, 10).equals(Buffer.alloc(10))).toBe(true);
    pool.takeNow(64 * KIB);
    expect((pool.takeNow(10) as Buffer).toString()).toBe('late bytes');
  });

  it('fills a large request as bytes arrive, before later requests', async () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const data = numbered(9);
    feed(pool, data.subarray(0, 6));
    const big = pool.take(10, 1000);
    const small = pool.take(8, 1000);
    expect(pool.takeNow(1)).toBeNull(); // no jumping the queue
    feed(pool, data.subarray(6));
    expect(Buffer.concat([await big, await small])).toEqual(data);
  });

  it('refuses every waiter and zeroes everything when the core dies', async () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const pending = pool.take(16, 1000);
    feed(pool, Buffer.alloc(4, 9));
    const region = pool.writable();
    feed(pool, Buffer.alloc(8, 7));
    pool.fail('core exited: exit code 4');
    await expect(pending).rejects.toThrow(PoolFailed);
    expect(region.subarray(0, 8).equals(Buffer.alloc(8))).toBe(true);
    expect(() => pool.takeNow(1)).toThrow('core exited: exit code 4');
    const late = pool.writable();
    late.fill(5, 0, 4);
    expect(pool.commit(late, 4)).toBe(false);
    expect(late.subarray(0, 4).equals(Buffer.alloc(4))).toBe(true);
  });

  it('zeroes buffered bytes on failure', () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const region = pool.writable();
    feed(pool, Buffer.alloc(8, 3));
    pool.fail('stopped');
    expect(region.subarray(0, 8).equals(Buffer.alloc(8))).toBe(true);
    expect(pool.level).toBe(0);
    expect(pool.failed).toBe('stopped');
  });

  it('times a starved request out without serving its partial bytes to anyone', async () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    feed(pool, Buffer.alloc(4, 1));
    await expect(pool.take(8, 20)).rejects.toBeInstanceOf(PoolTimeout);
    feed(pool, Buffer.alloc(4, 2));
    expect(pool.takeNow(4)).toEqual(Buffer.alloc(4, 2));
  });

  it('reads straight into a waiting request when nothing is buffered, leaving the ring untouched', async () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const ring = pool.writable();
    const data = numbered(3000);
    const pending = pool.take(data.length, 1000);
    expect(pool.writable()).toHaveLength(data.length);
    feed(pool, data);
    expect(await pending).toEqual(data);
    expect(ring.equals(Buffer.alloc(ring.length))).toBe(true);
    expect(pool.level).toBe(0);
  });

  it('zeroes, and never serves, bytes that land in a request that timed out while they were read', async () => {
    const pool = new BytePool(128 * KIB, () => undefined);
    const pending = pool.take(8, 20);
    const region = pool.writable();
    await expect(pending).rejects.toBeInstanceOf(PoolTimeout);
    region.fill(6, 0, 8);
    expect(pool.commit(region, 8)).toBe(true);
    expect(region.equals(Buffer.alloc(8))).toBe(true);
    expect(pool.level).toBe(0);
    feed(pool, Buffer.alloc(4, 2));
    expect(pool.takeNow(4)).toEqual(Buffer.alloc(4, 2));
  });

  it('never serves a byte twice or out of order, for any interleaving of reads, takes and waits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ read: fc.integer({ min: 1, max: 40_000 }) }),
            fc.record({ take: fc.integer({ min: 1, max: 90_000 }) }),
            fc.record({ text: fc.integer({ min: 1, max: 300 }) }),
            fc.record({ wait: fc.integer({ min: 1, max: 90_000 }) }),
          ),
          { maxLength: 60 },
        ),
        async (ops) => {
          let resumed = true;
          const pool = new BytePool(128 * KIB, () => (resumed = true));
          let written = 0;
          // Answers in the order they were asked for, which is the order bytes must be served in.
          const answers: Promise<Buffer | null>[] = [];
          // As the socket does: the memory for the next read is asked for as soon as the last read is committed,
          // and takes may come in between.
          let offered = pool.writable();
          for (const op of ops) {
            if ('read' in op) {
              if (!resumed) continue; // a paused socket does not read
              const n = Math.min(offered.length, op.read * 2);
              STREAM.copy(offered, 0, written, written + n);
              written += n;
              resumed = pool.commit(offered, n);
              offered = pool.writable();
            } else if ('take' in op) {
              const got = pool.takeNow(op.take);
              if (got !== null) answers.push(Promise.resolve(Buffer.from(got)));
            } else if ('text' in op) {
              const got = pool.takeTextNow(op.text, 'hex');
              if (got !== null) answers.push(Promise.resolve(Buffer.from(got, 'hex')));
            } else {
              answers.push(pool.take(op.wait, 60_000).then((bytes) => Buffer.from(bytes), () => null));
            }
          }
          pool.fail('end of the test'); // refuses whoever still waits
          const served = Buffer.concat((await Promise.all(answers)).filter((answer): answer is Buffer => answer !== null));
          expect(served.length).toBeLessThanOrEqual(written);
          expect(served.equals(STREAM.subarray(0, served.length))).toBe(true);
        },
      ),
    );
  });

  it('refuses a ring too small for a resumed read', () => {
    expect(() => new BytePool(64 * KIB, () => undefined)).toThrow(RangeError);
  });

  it('never serves a byte twice, for any interleaving of reads and takes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.record({ read: fc.integer({ min: 1, max: 40_000 }) }), fc.record({ take: fc.integer({ min: 1, max: 90_000 }) })),
          { maxLength: 60 },
        ),
        (ops) => {
          let resumed = true;
          const pool = new BytePool(128 * KIB, () => (resumed = true));
          const written: Buffer[] = [];
          const served: Buffer[] = [];
          let word = 0;
          for (const op of ops) {
            if ('read' in op) {
              if (!resumed) continue; // a paused socket does not read
              const target = pool.writable();
              const n = Math.min(target.length, op.read * 2);
              const chunk = numbered(Math.floor(n / 2), word);
              word += chunk.length / 2;
              chunk.copy(target);
              written.push(chunk);
              resumed = pool.commit(target, chunk.length);
            } else {
              const got = pool.takeNow(op.take);
              if (got !== null) served.push(got);
            }
          }
          // What was served is exactly a prefix of what was written, in order: nothing repeated, nothing skipped.
          const all = Buffer.concat(written);
          const out = Buffer.concat(served);
          expect(out.equals(all.subarray(0, out.length))).toBe(true);
          expect(pool.level).toBe(all.length - out.length);
        },
      ),
    );
  });
});
