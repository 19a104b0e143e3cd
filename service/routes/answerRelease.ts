import type { ServerResponse } from 'node:http';
import { wipeAnswer } from '../core/answerBuffers.js';

/** An answer being made: its raw bytes, once drawn, are handed over here. */
export interface AnswerHold {
  /** Wiped when the response closes, or at once if it already has (the client left while the bytes were drawn). */
  holdBytes(bytes: Buffer): void;
}

/**
 * Ties what an answer holds to its response: `release` (its place among the bytes in flight) and its raw bytes
 * are given back when the response closes. Node closes a response once the answer has been handed to the
 * kernel, and also when its connection ends before that (the client left, or a timeout destroyed the socket):
 * an answer cut short is zeroed as surely as one that was written, never left to the garbage collector.
 */
export function holdUntilClosed(response: ServerResponse, release: () => void): AnswerHold {
  let closed = false;
  let held: Buffer | null = null;
  response.once('close', () => {
    closed = true;
    release();
    if (held !== null) wipeAnswer(held);
  });
  return {
    holdBytes(bytes) {
      if (closed) wipeAnswer(bytes);
      else held = bytes;
    },
  };
}
