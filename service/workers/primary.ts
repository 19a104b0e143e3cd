// The service on every core (WORKERS > 1): this thread starts the worker threads (worker.ts), each a whole
// service with its own core, all listening on one port with SO_REUSEPORT; it owns what they share (the fleet
// state, the rate-limit tables, the bytes in flight, the attestation key), replaces a worker that dies within
// a bounded number of restarts, gathers /metrics, and on SIGTERM lets every worker finish its requests.
// Threads, not processes: one process keeps one attestation key, and limits stay exact through shared memory.
import type { KeyObject } from 'node:crypto';
import { randomInt } from 'node:crypto';
import { newKeyIdSecret } from '../auth/keys.js';
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { ServiceConfig } from '../config.js';
import { sharedRandomLimitTables } from '../ratelimit/randomLimits.js';
import { sharedInFlightTable } from '../ratelimit/sharedBytesInFlight.js';
import { FleetState } from './fleetState.js';
import { mergeMetrics } from './metricsMerge.js';
import type { ToPrimary, ToWorker, WorkerData } from './workerProtocol.js';

/** More worker deaths than this within the window end the process: the container restarts it whole. */
export const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;
/** A replacement waits 100 ms, doubled for each death of that worker in the window, up to 5 s. */
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5_000;
/** A worker that does not answer a scrape within this is left out of it. */
const SCRAPE_TIMEOUT_MS = 2_000;
/** Within main.ts's 10 s deadline: a worker's in-flight requests have this long, then the thread is ended. */
const STOP_GRACE_MS = 9_000;
/** API key ids are HMACs of the configured keys: a few per appliance. */
const IN_FLIGHT_KEY_SLOTS = 1_024;

export interface PrimaryLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Primary {
  /** Resolves with the URL once every worker listens; rejects with a worker's start failure. */
  listening: Promise<string>;
  /** Every worker finishes its requests and stops its core. */
  stop(): Promise<void>;
}

interface Scrape {
  requester: { index: number; id: number };
  texts: string[];
  waiting: Set<number>;
  timer: NodeJS.Timeout;
}

export class StartFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function startPrimary(config: ServiceConfig, log: PrimaryLog): Primary {
  const count = config.workers;
  const fleet = FleetState.create(count);
  const limitTables = sharedRandomLimitTables(randomInt(2 ** 31));
  const inFlight = sharedInFlightTable(IN_FLIGHT_KEY_SLOTS);
  const keyIdSecret = newKeyIdSecret();
  const threads: (Worker | null)[] = new Array<Worker | null>(count).fill(null);
  const deaths: number[] = [];
  const deathsOf = new Array<number>(count).fill(0);
  const scrapes = new Map<number, Scrape>();
  let nextScrape = 0;
  let key: KeyObject | null = null;
  let drawing = false;
  let stopping = false;
  let sharedPort = config.port;
  let started = 0;
  let announce: (url: string) => void = () => undefined;
  let fail: (err: StartFailure) => void = () => undefined;
  const listening = new Promise<string>((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });

  const send = (index: number, message: ToWorker) => threads[index]?.postMessage(message);

  /** Asks a worker whose core serves sealed to make the key, unless there is one or one is being made. */
  const requestKey = (index: number) => {
    if (key !== null || drawing || stopping) return;
    drawing = true;
    send(index, { type: 'draw-key' });
  };

  const onMessage = (index: number, message: ToPrimary) => {
    switch (message.type) {
      case 'listening': {
        started += 1;
        if (started === count) announce(message.url);
        return;
      }
      case 'failed':
        log.error({ worker: index, error: message.message }, 'worker could not start');
        if (started < count) fail(new StartFailure(message.message, message.exitCode));
        return;
      case 'sealed':
        return requestKey(index);
      case 'key':
        drawing = false;
        key ??= message.key;
        log.info({ worker: index }, 'attestation key made from this worker\'s core, shared with every worker');
        for (let each = 0; each < count; each++) send(each, { type: 'key', key });
        return;
      case 'key-failed':
        drawing = false;
        // Every worker's core must serve sealed before one can draw; the next worker to seal asks again.
        setTimeout(() => {
          if (fleet.worstOther(-1) === null) requestKey(index);
        }, 500).unref();
        return;
      case 'scrape':
        return scrape(index, message.id);
      case 'rendered':
        return rendered(index, message.id, message.text);
      case 'stopped':
        return void threads[index]?.terminate();
    }
  };

  const scrape = (requester: number, id: number) => {
    const scrapeId = nextScrape++;
    const live = threads.flatMap((thread, index) => (thread === null ? [] : [index]));
    const timer = setTimeout(() => finishScrape(scrapeId), SCRAPE_TIMEOUT_MS);
    scrapes.set(scrapeId, { requester: { index: requester, id }, texts: [], waiting: new Set(live), timer });
    for (const index of live) send(index, { type: 'render', id: scrapeId });
  };

  const rendered = (index: number, scrapeId: number, text: string) => {
    const pending = scrapes.get(scrapeId);
    if (pending === undefined) return;
    pending.texts.push(text);
    pending.waiting.delete(index);
    if (pending.waiting.size === 0) finishScrape(scrapeId);
  };

  const finishScrape = (scrapeId: number) => {
    const pending = scrapes.get(scrapeId);
    if (pending === undefined) return;
    scrapes.delete(scrapeId);
    clearTimeout(pending.timer);
    send(pending.requester.index, { type: 'scraped', id: pending.requester.id, text: mergeMetrics(pending.texts) });
  };

  const onExit = (index: number, thread: Worker, code: number) => {
    if (threads[index] !== thread) return;
    threads[index] = null;
    // A thread that crashed never stopped its core: the core process is this process's child all the same.
    const { corePid } = fleet.read(index);
    if (corePid !== null && !stopping) killQuietly(corePid);
    fleet.markDown(index);
    for (const [scrapeId, pending] of scrapes) if (pending.waiting.delete(index) && pending.waiting.size === 0) finishScrape(scrapeId);
    if (stopping) return;
    if (started < count) {
      fail(new StartFailure(`worker ${index} exited (code ${code}) before it listened`, 1));
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while ((deaths[0] ?? now) < now - RESTART_WINDOW_MS) deaths.shift();
    if (deaths.length > MAX_RESTARTS) {
      log.error({ worker: index, code, deaths: deaths.length }, `more than ${MAX_RESTARTS} worker deaths within a minute: stopping`);
      process.exitCode = 1;
      void stop();
      return;
    }
    deathsOf[index] = (deathsOf[index] ?? 0) + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** ((deathsOf[index] ?? 1) - 1));
    log.error({ worker: index, code, restart_in_ms: delay }, 'worker exited; the service is blocked until its replacement\'s core seals');
    setTimeout(() => {
      if (!stopping) spawn(index);
    }, delay).unref();
  };

  const spawn = (index: number) => {
    const workerData: WorkerData = { index, workers: count, port: sharedPort, fleet: fleet.buffer, limitTables, inFlight, keyIdSecret };
    const thread = new Worker(new URL('./worker.js', import.meta.url), { workerData });
    threads[index] = thread;
    thread.on('message', (message: ToPrimary) => onMessage(index, message));
    thread.on('error', (err) => log.error({ worker: index, error: err.message }, 'worker failed'));
    thread.on('exit', (code) => onExit(index, thread, code));
    if (key !== null) send(index, { type: 'key', key });
  };

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping = true;
    stopped ??= Promise.all(
      threads.map((thread, index) => {
        if (thread === null) return Promise.resolve();
        const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
        send(index, { type: 'stop' });
        // A worker that cannot stop (one that failed at start and closed its port) is ended all the same.
        const timer = setTimeout(() => void thread.terminate(), STOP_GRACE_MS);
        return exited.finally(() => clearTimeout(timer));
      }),
    ).then(() => undefined);
    return stopped;
  };

  void (async () => {
    // PORT=0 (tests): a port the kernel picks for this process, which every worker then joins.
    if (sharedPort === 0) sharedPort = await freePort(config.host);
    if (!stopping) for (let index = 0; index < count; index++) spawn(index);
  })().catch((err: Error) => fail(new StartFailure(`cannot start: ${err.message}`, 1)));
  return { listening, stop };
}

/** A port free on `host` a moment ago (PORT=0): closed before the workers bind it, so a small race remains. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
