/**
 * Memory for large answers, reused. A fresh 1 MB buffer per answer is external memory that V8 answers with
 * frequent garbage collections: measured at 0.65 ms of GC-thread CPU per 1 MB answer, as much as the rest of
 * serving it. Memory lent here comes back only through `wipeAnswer`, zeroed, once the answer has ended:
 * written (the socket has its copy) or cut short by a closed connection (routes/answerRelease.ts).
 */
const MIN_REUSED = 64 * 1024;
/** At most this much wiped memory is kept waiting for reuse. */
const MAX_KEPT_BYTES = 32 * 1024 * 1024;

const free = new Map<number, ArrayBuffer[]>();
let keptBytes = 0;
/** Memory lent and not yet returned: only these can come back, and each only once, so no two answers share. */
const lent = new WeakSet<ArrayBuffer>();
let lentBytes = 0;

/** Sizes are powers of two, so one answer's memory serves any later answer of up to twice its length. */
function sizeClass(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** `n` bytes of uninitialized memory that belongs to one answer until it is wiped. */
export function answerBuffer(n: number): Buffer {
  if (n < MIN_REUSED) return Buffer.allocUnsafe(n);
  const size = sizeClass(n);
  let memory = free.get(size)?.pop();
  if (memory === undefined) memory = new ArrayBuffer(size);
  else keptBytes -= size;
  lent.add(memory);
  lentBytes += size;
  return Buffer.from(memory, 0, n);
}

/** Zeroes an answer's bytes once it no longer needs them, and keeps memory lent by `answerBuffer` for reuse. */
export function wipeAnswer(bytes: Buffer): void {
  bytes.fill(0);
  const memory = bytes.buffer;
  if (!(memory instanceof ArrayBuffer) || !lent.delete(memory)) return;
  lentBytes -= memory.byteLength;
  // Bytes beyond this answer's length were either never written or wiped by an earlier answer.
  if (keptBytes + memory.byteLength > MAX_KEPT_BYTES) return;
  const list = free.get(memory.byteLength) ?? [];
  list.push(memory);
  free.set(memory.byteLength, list);
  keptBytes += memory.byteLength;
}

/**
 * Memory of answers of 64 KiB and more that was lent and has not been wiped yet: 0 once every such answer
 * has ended, finished or not (memory an answer never gave back would stay counted).
 */
export function answerMemoryLent(): number {
  return lentBytes;
}
