import { tmpdir } from 'node:os';
import pino from 'pino';
import { ConfigFileError, parseConfig, type ServiceConfig } from './config.js';
import { packageRoot } from './packageRoot.js';
import { startService } from './start.js';
import { startTracing } from './telemetry/tracing.js';
import { readCpuBudget } from './workers/cpuBudget.js';
import { startPrimary, StartFailure } from './workers/primary.js';

const DEMO_WARNING = 'demo mode (R4_DEMO=1): short API keys are accepted; not for real use';

/** Kubernetes' default termination grace period is 30 s; stopping well within it leaves room to spare. */
const STOP_DEADLINE_MS = 10_000;

/**
 * `node dist/service/main.js`: configuration from the environment (see the README), exit 2 with one message
 * on a bad one; SIGTERM or SIGINT stop accepting, finish in-flight requests (within 10 s), stop the core, exit 0.
 */
async function main(): Promise<void> {
  const root = packageRoot();
  // The cgroup's memory limit (v1 or v2, read by libuv) is what the default limits derive from.
  const context = { packageRoot: root, tmpDir: tmpdir(), cwd: process.cwd(), memoryLimitBytes: process.constrainedMemory(), cpuBudget: readCpuBudget() };
  const parsed = parseConfig(process.env, context);
  if (!parsed.ok) {
    process.stderr.write(`r4 service: ${parsed.error}\n`);
    process.exit(2);
  }
  const config = parsed.config;
  if (config.workers > 1) return runWorkers(config);
  const tracing = config.tracing ? startTracing('re4ctor-api') : null;

  let service;
  try {
    service = await startService(config, { packageRoot: root, env: process.env });
  } catch (err) {
    const message = err instanceof ConfigFileError ? `invalid configuration: ${err.message}` : `cannot start: ${(err as Error).message}`;
    process.stderr.write(`r4 service: ${message}\n`);
    await tracing?.shutdown();
    process.exit(err instanceof ConfigFileError ? 2 : 1);
  }
  service.app.log.info({ url: service.url, mode: service.supervisor.mode, strict_fips: config.strictFips, demo: config.demo, node: process.version }, 'listening');
  if (config.demo) service.app.log.warn({ demo: true }, DEMO_WARNING);

  const running = service;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    // Ctrl-C under npm can deliver SIGINT and then SIGTERM (see scripts/start.sh): one graceful stop is enough.
    if (stopping) return;
    stopping = true;
    running.app.log.info({ signal }, 'stopping');
    // In-flight requests get a bounded time to finish; a client that never reads must not hold the exit.
    setTimeout(() => {
      process.stderr.write(`r4 service: stop did not finish within ${STOP_DEADLINE_MS} ms; exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    void running
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`r4 service: error while stopping: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/**
 * WORKERS > 1: worker threads serve the port together (service/workers/); this thread only starts, replaces
 * and stops them, so it logs on its own, one line per write().
 */
async function runWorkers(config: ServiceConfig): Promise<void> {
  const log = pino({ level: config.logLevel, base: { service: 're4ctor-api', component: 'primary' } }, pino.destination({ fd: 1, sync: true }));
  const primary = startPrimary(config, log);
  // From the start: a worker may already answer (and the process be told to stop) before every worker listens.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => {
      process.stderr.write(`r4 service: stop did not finish within ${STOP_DEADLINE_MS} ms; exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    void primary.stop().then(() => process.exit(process.exitCode ?? 0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  try {
    const url = await primary.listening;
    log.info({ url, workers: config.workers, strict_fips: config.strictFips, demo: config.demo, node: process.version }, 'listening');
    if (config.demo) log.warn({ demo: true }, DEMO_WARNING);
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`r4 service: ${(err as Error).message}\n`);
    await primary.stop();
    process.exit(err instanceof StartFailure ? err.exitCode : 1);
  }
}

void main();
