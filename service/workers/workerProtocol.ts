// What the primary thread and the service's worker threads say to each other (service/workers/).
import type { KeyObject } from 'node:crypto';
import type { SharedRandomLimitTables } from '../ratelimit/randomLimits.js';
import type { SharedInFlightTable } from '../ratelimit/sharedBytesInFlight.js';

/** Given to each worker at its start. */
export interface WorkerData {
  index: number;
  workers: number;
  /** The port to share: the configured one, or the one the first worker was given for PORT=0. */
  port: number;
  fleet: SharedArrayBuffer;
  limitTables: SharedRandomLimitTables;
  inFlight: SharedInFlightTable;
  /** The secret key ids are made with (auth/keys.ts), one per process: a key has one id in every worker. */
  keyIdSecret: Uint8Array;
}

export type ToPrimary =
  | { type: 'listening'; url: string }
  /** Could not start: the message for stderr and the exit code a lone process would have had. */
  | { type: 'failed'; message: string; exitCode: number }
  /** This worker's core now serves sealed: it can make the attestation key if there is none. */
  | { type: 'sealed' }
  | { type: 'key'; key: KeyObject }
  | { type: 'key-failed'; reason: string }
  /** GET /metrics arrived on this worker: the primary gathers every worker's metrics. */
  | { type: 'scrape'; id: number }
  | { type: 'rendered'; id: number; text: string }
  | { type: 'stopped' };

export type ToWorker =
  | { type: 'draw-key' }
  | { type: 'key'; key: KeyObject }
  | { type: 'render'; id: number }
  | { type: 'scraped'; id: number; text: string }
  | { type: 'stop' };
