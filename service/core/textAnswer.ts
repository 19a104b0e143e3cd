import { answerBuffer, wipeAnswer } from './answerBuffers.js';

/**
 * From this many bytes up, a hex or base64 answer is written into answer memory instead of becoming a string.
 * A string of megabytes is garbage V8 collects late (measured: a storm of 16 MiB hex answers left some
 * 190 MiB of dead strings and their socket copies in a process limited to 256 MiB), cannot be wiped, and is
 * copied once more to be written; answer memory is written from as it is, wiped at the answer's end and reused.
 */
export const LARGE_TEXT_BYTES = 64 * 1024;

/**
 * Bytes encoded per step: a multiple of 3, so base64 pieces join without padding in between, and small enough
 * that each piece's string is a young object, collected at almost no cost.
 */
const STEP_BYTES = 48 * 1024;
/**
 * Steps between two turns of the event loop: 768 KiB, about 2 ms of work, so a 16 MiB answer (some 40 ms to
 * encode) lets other requests be served meanwhile rather than holding them all up.
 */
const STEPS_PER_TURN = 16;

/** The length of `n` bytes as sent: as they are, or as lowercase hex or padded base64 text. */
export function encodedLength(n: number, encoding: 'raw' | 'hex' | 'base64'): number {
  if (encoding === 'hex') return 2 * n;
  if (encoding === 'base64') return 4 * Math.ceil(n / 3);
  return n;
}

/** The text of `bytes` in memory that belongs to one answer (wipe it with `wipeAnswer`); `bytes` are wiped. */
export async function encodeIntoAnswer(bytes: Buffer, encoding: 'hex' | 'base64'): Promise<Buffer> {
  const text = answerBuffer(encodedLength(bytes.length, encoding));
  let written = 0;
  for (let offset = 0, step = 0; offset < bytes.length; offset += STEP_BYTES, step += 1) {
    if (step > 0 && step % STEPS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    written += text.write(bytes.toString(encoding, offset, Math.min(offset + STEP_BYTES, bytes.length)), written, 'latin1');
  }
  wipeAnswer(bytes);
  return text;
}
