// One worker thread of core-sharing.ts. It gets its share of core output either from a core process of
// its own (mode `own`) or as chunks the main thread transfers to it (mode `shared`), copies every byte once
// into a ring as the byte pool does (service/core/bytePool.ts), and says when it has had its share.
import { spawn } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';

export interface SharingWorkerData {
  mode: 'own' | 'shared';
  /** This worker's share, in bytes. */
  bytes: number;
  /** The core binary (mode `own`). */
  core: string;
}

/** Sent to the main thread. */
export type SharingWorkerMessage = { kind: 'ready' } | { kind: 'done'; bytes: number } | { kind: 'failed'; reason: string };

const { mode, bytes, core } = workerData as SharingWorkerData;
const port = parentPort;
if (!port) throw new Error('core-sharing-worker.js runs as a worker thread');
const say = (message: SharingWorkerMessage) => port.postMessage(message);
const ring = Buffer.alloc(1 << 20);
let received = 0;

function take(chunk: Uint8Array): void {
  const at = received % ring.length;
  const first = Math.min(chunk.length, ring.length - at);
  ring.set(chunk.subarray(0, first), at);
  if (first < chunk.length) ring.set(chunk.subarray(first), 0);
  received += chunk.length;
}

port.on('message', (message: 'go' | ArrayBuffer) => {
  if (message instanceof ArrayBuffer) {
    take(new Uint8Array(message));
    if (received >= bytes) say({ kind: 'done', bytes: received });
    return;
  }
  const child = spawn(core, ['-n', String(bytes)], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.on('data', take);
  child.on('error', (error) => say({ kind: 'failed', reason: error.message }));
  child.on('close', (code) => say(code === 0 && received === bytes ? { kind: 'done', bytes: received } : { kind: 'failed', reason: `the core exited ${code} after ${received} of ${bytes} bytes` }));
});

if (mode !== 'own' && mode !== 'shared') throw new Error(`unknown mode ${String(mode)}`);
say({ kind: 'ready' });
