// Issue 17 asked whether each worker should stream from its own core process or all share one; this is
// the measurement behind the choice (docs/service.md, "The service on every core"), printed by
// `npm run bench:service`. Without HTTP, so only the delivery differs: N worker threads each receive an
// equal share of core output, copied once into a ring as the byte pool copies it, either
//   own:    from a core process each (what the service does), or
//   shared: from one core process read by the main thread and handed out in 1 MiB chunks, transferred
//           (not copied) to the workers in turn.
// Rates are total MB/s from the first byte asked for to the last received, the best of ROUNDS alternating
// rounds; every run is bounded in bytes and time.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fmt } from '../load.js';
import type { SharingWorkerData, SharingWorkerMessage } from './core-sharing-worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const CORE = join(here, '..', '..', '..', 'native', 'build', 're4_dump');
const WORKER = join(here, 'core-sharing-worker.js');
const ROUNDS = 3;
const SHARE = 256 * (1 << 20);
const CHUNK = 1 << 20;
const RUN_TIMEOUT_MS = 60_000;

type Mode = SharingWorkerData['mode'];

/** A worker's reports as promises: ready to start, and done with its share (either fails on its failure). */
function reports(thread: Worker): { ready: Promise<void>; done: Promise<void> } {
  const settle = { ready: () => {}, done: () => {}, fail: (_: Error) => {} };
  const failed = new Promise<never>((_, reject) => (settle.fail = reject));
  failed.catch(() => undefined);
  const ready = Promise.race([new Promise<void>((resolve) => (settle.ready = resolve)), failed]);
  const done = Promise.race([new Promise<void>((resolve) => (settle.done = resolve)), failed]);
  thread.on('message', (m: SharingWorkerMessage) => (m.kind === 'failed' ? settle.fail(new Error(m.reason)) : settle[m.kind]()));
  thread.on('error', (error) => settle.fail(error));
  return { ready, done };
}

/** Total MB/s of one run of `workers` threads fed in `mode`. */
async function run(mode: Mode, workers: number): Promise<number> {
  const threads = Array.from({ length: workers }, () => new Worker(WORKER, { workerData: { mode, bytes: SHARE, core: CORE } satisfies SharingWorkerData }));
  const watched = threads.map(reports);
  const core = mode === 'own' ? undefined : spawn(CORE, ['-n', String(SHARE * workers)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.all(watched.map((w) => w.ready));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${mode} x ${workers}: not done within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
    });
    const started = process.hrtime.bigint();
    if (core) handOut(core.stdout, threads);
    else for (const t of threads) t.postMessage('go');
    await Promise.race([Promise.all(watched.map((w) => w.done)), timeout]);
    return (SHARE * workers) / (Number(process.hrtime.bigint() - started) / 1e9) / 1e6;
  } finally {
    clearTimeout(timer);
    core?.kill();
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** The main thread's part of `shared`: gathers the core's output into 1 MiB chunks and transfers each to the next worker. */
function handOut(output: NodeJS.ReadableStream, threads: Worker[]): void {
  let chunk = new ArrayBuffer(CHUNK);
  let filled = 0;
  let next = 0;
  output.on('data', (data: Buffer) => {
    for (let offset = 0; offset < data.length; ) {
      const n = Math.min(data.length - offset, CHUNK - filled);
      new Uint8Array(chunk, filled, n).set(data.subarray(offset, offset + n));
      filled += n;
      offset += n;
      if (filled === CHUNK) {
        (threads[next++ % threads.length] as Worker).postMessage(chunk, [chunk]);
        chunk = new ArrayBuffer(CHUNK);
        filled = 0;
      }
    }
  });
}

/** Runs the comparison for 1 and `workers` threads and returns the lines of its summary. */
export async function coreSharingBench(workers: number): Promise<string[]> {
  const counts = [...new Set([1, Math.max(1, workers)])];
  const lines = [
    '',
    `one core per worker or one core for all: ${SHARE / (1 << 20)} MiB of core output to each worker thread, copied once into a ring as the byte pool does; no HTTP; best of ${ROUNDS} alternating rounds`,
  ];
  for (const n of counts) {
    const best: Record<Mode, number> = { own: 0, shared: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['own', 'shared'] as const) best[mode] = Math.max(best[mode], await run(mode, n));
    }
    lines.push(`  ${n} worker${n === 1 ? ' ' : 's'}: a core each ${fmt(best.own).padStart(6)} MB/s; one core through the main thread ${fmt(best.shared).padStart(6)} MB/s (x${fmt(best.shared / best.own, 2)})`);
  }
  return lines;
}
