import { execFileSync } from 'node:child_process';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import pino from 'pino';
import { KeyStore } from './auth/keyStore.js';
import { buildApp, type WorkerShare } from './app.js';
import type { ServiceConfig } from './config.js';
import type { Mode } from '../contracts/version-document.js';
import { CoreSupervisor } from './core/supervisor.js';
import { VrfService } from './vrf/vrfService.js';
import { packageVersion } from './packageRoot.js';
import { BatchedLogWriter } from './telemetry/logWriter.js';
import { createMetrics, type ServiceMetrics } from './telemetry/metrics.js';
import { openHttps } from './tls/openHttps.js';
import type { FleetState } from './workers/fleetState.js';

/** About 4 KiB of log lines per write(): some 14 access lines. */
const LOG_BATCH_BYTES = 4096;
/**
 * Linux's PIPE_BUF: a write() of at most this many bytes to a pipe is never interleaved with another's, so
 * worker threads that write whole lines in such pieces never split each other's lines.
 */
const PIPE_ATOMIC_BYTES = 4096;

export interface RunningService {
  app: FastifyInstance;
  supervisor: CoreSupervisor;
  /** This thread's own metrics (with several workers, /metrics answers for all of them). */
  metrics: ServiceMetrics;
  /** Base URL of the listening socket, e.g. https://127.0.0.1:8080 (http:// without TLS) */
  url: string;
  /** Stops accepting, finishes in-flight requests, then stops the core. */
  stop(): Promise<void>;
}

export interface StartOptions {
  packageRoot: string;
  env: NodeJS.ProcessEnv;
  logStream?: { write(line: string): void };
  /** One of several worker threads on one port (service/workers/worker.ts). */
  worker?: WorkerOptions;
}

export interface WorkerOptions extends WorkerShare {
  fleet: FleetState;
  /** The process's key id secret (auth/keys.ts): every worker names a key alike, as its shared limits need. */
  keyIdSecret: Buffer;
  /** /metrics for every worker together. */
  fleetMetrics(): Promise<string>;
  /**
   * Once this worker's core is attested, before it listens: reports it to the others and waits for theirs,
   * so the port opens, as for one thread, only once every core's first attestation is done.
   */
  attested(supervisor: CoreSupervisor): Promise<void>;
}

/**
 * Starts the service: TLS files and keys, the first attestation of the core (so /version never reports a state
 * that was not measured), then the HTTP(S) listener. Throws a ConfigFileError, with a clear message, on a key
 * file or TLS files that cannot be used.
 */
export async function startService(config: ServiceConfig, options: StartOptions): Promise<RunningService> {
  const logOptions = { level: config.logLevel, base: { service: 're4ctor-api' } };
  const { worker } = options;
  const base = worker === undefined ? logOptions.base : { ...logOptions.base, worker: worker.index };
  const log = pino({ ...logOptions, base }, options.logStream ?? batchedStdout(worker === undefined ? undefined : PIPE_ATOMIC_BYTES));
  const https = config.tls === null ? null : await openHttps(config.tls, log.child({ component: 'tls' }));
  const keys = KeyStore.open(config.apiKeys, config.demo, log, worker?.keyIdSecret);
  const supervisor = new CoreSupervisor({
    corePath: config.corePath,
    manifestPath: config.manifestPath,
    expectedCoreSha256: config.expectedCoreSha256,
    sealedDir: config.sealedDir,
    selftestTimeoutMs: config.selftestTimeoutMs,
    predictionResistance: config.predictionResistance,
    strictFips: config.strictFips,
    env: coreEnvironment(options.env),
    log: log.child({ component: 'core' }),
    ...(worker && { fleet: { worstOther: () => fleetWorst(worker.fleet, worker.index) } }),
  });
  await supervisor.start();
  await worker?.attested(supervisor);
  const version = packageVersion(options.packageRoot);
  const metrics = createMetrics('re4ctor-api', version, {
    snapshot: () => supervisor.snapshot(),
    poolLevel: () => supervisor.pool?.level ?? 0,
  });
  supervisor.onModeChange((from, to) => metrics.modeChanged(from, to));
  const served: ServiceMetrics = worker === undefined ? metrics : { ...metrics, render: () => worker.fleetMetrics() };
  // Answers name the core attested at start; while it is not sealed, /vrf answers nothing (routes/vrf.ts).
  const coreSha256 = supervisor.snapshot().integrity.measuredSha256 ?? NO_CORE_SHA256;
  const vrf = await VrfService.open(config.vrf, coreSha256, log.child({ component: 'vrf' }));
  const app = await buildApp({
    config,
    supervisor,
    keys,
    vrf,
    metrics: served,
    build: { version, apiGit: gitRevision(options.packageRoot) },
    startedAt: Date.now(),
    logger: log,
    serverFactory: https?.serverFactory,
    ...(worker && { worker }),
  });
  try {
    // Workers listen on one port together: the kernel spreads connections over them (SO_REUSEPORT).
    // Fastify hands its listen options to net.Server.listen, whose reusePort (Node 23.1+) its types lack.
    const listenOptions: FastifyListenOptions & { reusePort: boolean } = {
      host: config.host,
      port: config.port,
      listenTextResolver: https?.listenTextResolver,
      reusePort: worker !== undefined,
    };
    await app.listen(listenOptions);
  } catch (err) {
    await Promise.all([app.close(), supervisor.stop(), metrics.shutdown(), vrf.close()]);
    keys.close();
    throw err;
  }
  const reloader = https?.reloadOnChange();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let stopping: Promise<void> | null = null;
  return {
    app,
    supervisor,
    metrics,
    url: `${https === null ? 'http' : 'https'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    stop() {
      stopping ??= (async () => {
        await reloader?.stop();
        await app.close();
        await supervisor.stop();
        await vrf.close();
        await metrics.shutdown();
        keys.close();
        await new Promise<void>((resolve) => log.flush(() => resolve()));
      })();
      return stopping;
    },
  };
}

/** Never served: with no measured core the mode is not sealed, and /vrf refuses. */
const NO_CORE_SHA256 = '0'.repeat(64);

/** The worst of the other workers' cores, for this worker's supervisor; null when they all serve sealed. */
function fleetWorst(fleet: FleetState, self: number): { mode: Mode; reason: string } | null {
  const worst = fleet.worstOther(self);
  if (worst === null || worst.mode === 'sealed') return null;
  const { alive, coreState } = fleet.read(worst.index);
  if (alive) return { mode: worst.mode, reason: `worker ${worst.index}'s core is ${worst.mode}` };
  return { mode: worst.mode, reason: coreState === 'starting' ? `worker ${worst.index} is starting` : `worker ${worst.index} is being replaced` };
}

/**
 * Standard output in batches (telemetry/logWriter.ts); what is pending is written when the process (or the
 * worker thread) exits. `atomicBytes`: written in whole lines of at most this many bytes per write().
 */
function batchedStdout(atomicBytes?: number): BatchedLogWriter {
  const writer = new BatchedLogWriter(1, LOG_BATCH_BYTES, undefined, atomicBytes);
  process.on('exit', () => writer.flushSync());
  return writer;
}

/** The core needs no secret: it gets the service's environment without the API key. */
function coreEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { API_KEY: _secret, ...rest } = env;
  return rest;
}

/** The API's commit, like the core's (the Makefile asks git the same way); "unknown" outside a checkout. */
function gitRevision(root: string): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000 })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}
