import { execFileSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { KeyStore } from './auth/keyStore.js';
import { buildApp } from './app.js';
import type { ServiceConfig } from './config.js';
import { CoreSupervisor } from './core/supervisor.js';
import { VrfService } from './vrf/vrfService.js';
import { packageVersion } from './packageRoot.js';
import { BatchedLogWriter } from './telemetry/logWriter.js';
import { createMetrics } from './telemetry/metrics.js';
import { openHttps } from './tls/openHttps.js';

/** About 4 KiB of log lines per write(): some 14 access lines. */
const LOG_BATCH_BYTES = 4096;

export interface RunningService {
  app: FastifyInstance;
  supervisor: CoreSupervisor;
  /** Base URL of the listening socket, e.g. https://127.0.0.1:8080 (http:// without TLS) */
  url: string;
  /** Stops accepting, finishes in-flight requests, then stops the core. */
  stop(): Promise<void>;
}

export interface StartOptions {
  packageRoot: string;
  env: NodeJS.ProcessEnv;
  logStream?: { write(line: string): void };
}

/**
 * Starts the service: TLS files and keys, the first attestation of the core (so /version never reports a state
 * that was not measured), then the HTTP(S) listener. Throws a ConfigFileError, with a clear message, on a key
 * file or TLS files that cannot be used.
 */
export async function startService(config: ServiceConfig, options: StartOptions): Promise<RunningService> {
  const logOptions = { level: config.logLevel, base: { service: 're4ctor-api' } };
  const log = pino(logOptions, options.logStream ?? batchedStdout());
  const https = config.tls === null ? null : await openHttps(config.tls, log.child({ component: 'tls' }));
  const keys = KeyStore.open(config.apiKeys, config.demo, log);
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
  });
  await supervisor.start();
  const version = packageVersion(options.packageRoot);
  const metrics = createMetrics('re4ctor-api', version, {
    snapshot: () => supervisor.snapshot(),
    poolLevel: () => supervisor.pool?.level ?? 0,
  });
  supervisor.onModeChange((from, to) => metrics.modeChanged(from, to));
  // Answers name the core attested at start; while it is not sealed, /vrf answers nothing (routes/vrf.ts).
  const coreSha256 = supervisor.snapshot().integrity.measuredSha256 ?? NO_CORE_SHA256;
  const vrf = await VrfService.open(config.vrf, coreSha256, log.child({ component: 'vrf' }));
  const app = await buildApp({
    config,
    supervisor,
    keys,
    vrf,
    metrics,
    build: { version, apiGit: gitRevision(options.packageRoot) },
    startedAt: Date.now(),
    logger: log,
    serverFactory: https?.serverFactory,
  });
  try {
    await app.listen({ host: config.host, port: config.port, listenTextResolver: https?.listenTextResolver });
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

/** Standard output in batches (telemetry/logWriter.ts); what is pending is written when the process exits. */
function batchedStdout(): BatchedLogWriter {
  const writer = new BatchedLogWriter(1, LOG_BATCH_BYTES);
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
