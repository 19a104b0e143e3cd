import { randomFillSync } from 'node:crypto';
import { answerBuffer, wipeAnswer } from './answerBuffers.js';
import { PoolFailed, PoolTimeout } from './bytePool.js';
import { encodeIntoAnswer, LARGE_TEXT_BYTES } from './textAnswer.js';
import type { Mode } from '../../contracts/version-document.js';
import type { CoreSupervisor } from './supervisor.js';

export type EntropySourceName = 'core' | 'fallback';

/** How an answer carries its bytes: as they are, or as lowercase hex or base64 text. */
export type Encoding = 'raw' | 'hex' | 'base64';

export interface Draw {
  /**
   * Raw bytes, or the text of many (textAnswer.ts), which belong to this answer alone and must be wiped
   * (`wipeAnswer`) once the socket has them; or the text of a few, whose bytes are already zeroed.
   */
  body: Buffer | string;
  source: EntropySourceName;
  mode: Mode;
}

/** No bytes can be served; `reason` says why, for the 503 answer. */
export class EntropyUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * How long a request waits for the core before the core is judged stalled. At over 1 GB/s a full
 * 16 MiB request takes ~15 ms; two seconds of silence means the core is stuck, not busy.
 */
export const CORE_STALL_MS = 2_000;

/**
 * Where the bytes of one answer come from, decided by the mode at the moment of the request: the sealed
 * core's pool, Node's CSPRNG in fallback (reported in every answer), or nowhere when blocked. One answer
 * never mixes sources.
 */
export function drawEntropy(supervisor: CoreSupervisor, n: number, encoding: Encoding): Draw | Promise<Draw> {
  const mode = supervisor.mode;
  if (mode === 'blocked') throw new EntropyUnavailable(supervisor.snapshot().reason ?? 'entropy is blocked');
  if (mode === 'fallback') return drawn(encode(randomFillSync(answerBuffer(n)), encoding), 'fallback', mode);
  const pool = supervisor.pool;
  if (pool === null) throw new EntropyUnavailable('the entropy core is not running');
  try {
    const now = encoding === 'raw' || n >= LARGE_TEXT_BYTES ? pool.takeNow(n) : pool.takeTextNow(n, encoding);
    if (now !== null) return drawn(typeof now === 'string' ? now : encode(now, encoding), 'core', mode);
  } catch (err) {
    throw unavailable(err);
  }
  return pool.take(n, CORE_STALL_MS).then(
    (bytes) => drawn(encode(bytes, encoding), 'core', mode),
    (err: unknown) => {
      if (err instanceof PoolTimeout) supervisor.reportStall(pool, err.waitedMs);
      throw unavailable(err);
    },
  );
}

/** A draw once its body is ready: large text is encoded over several turns of the event loop. */
function drawn(body: Buffer | string | Promise<Buffer>, source: EntropySourceName, mode: Mode): Draw | Promise<Draw> {
  return body instanceof Promise ? body.then((ready) => ({ body: ready, source, mode })) : { body, source, mode };
}

/**
 * Strings are immutable and cannot be wiped; the bytes they were made from can, and are at once. Large text
 * goes into answer memory instead, wiped like raw bytes.
 */
function encode(bytes: Buffer, encoding: Encoding): Buffer | string | Promise<Buffer> {
  if (encoding === 'raw') return bytes;
  if (bytes.length >= LARGE_TEXT_BYTES) return encodeIntoAnswer(bytes, encoding);
  const text = bytes.toString(encoding);
  wipeAnswer(bytes);
  return text;
}

/** Pool errors become a 503 with a reason; anything else is a bug and stays what it is. */
function unavailable(err: unknown): unknown {
  if (err instanceof PoolFailed) return new EntropyUnavailable(`the entropy core stopped while serving this request (${err.reason})`);
  if (err instanceof PoolTimeout) return new EntropyUnavailable(err.message);
  return err;
}
