import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import { AttestationSigner, type AttestationKeySource } from './attestation/signer.js';
import type { KeyStore } from './auth/keyStore.js';
import type { ServiceConfig } from './config.js';
import type { CoreSupervisor } from './core/supervisor.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './errors.js';
import { BytesInFlight } from './ratelimit/bytesInFlight.js';
import { randomRateLimits, type SharedRandomLimitTables } from './ratelimit/randomLimits.js';
import { SharedBytesInFlight, type SharedInFlightTable } from './ratelimit/sharedBytesInFlight.js';
import { decorateRequests } from './requestContext.js';
import { applyServerLimits } from './serverLimits.js';
import { attestationRoute } from './routes/attestation.js';
import { healthRoute } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';
import { openapiRoute } from './routes/openapi.js';
import { randomRoute } from './routes/random.js';
import { readyRoute } from './routes/ready.js';
import { versionRoute } from './routes/version.js';
import { vrfRoute } from './routes/vrf.js';
import type { BuildInfo } from './routes/versionDocument.js';
import type { ServiceMetrics } from './telemetry/metrics.js';
import type { VrfService } from './vrf/vrfService.js';
import { withLazyChildren } from './telemetry/lazyChildLogger.js';
import { installRequestLog } from './telemetry/requestLog.js';
import { installRequestSpans } from './telemetry/tracing.js';
import type { WorkerCore } from './workers/fleetState.js';

export interface AppDependencies {
  config: ServiceConfig;
  supervisor: CoreSupervisor;
  keys: KeyStore;
  vrf: VrfService;
  metrics: ServiceMetrics;
  build: BuildInfo;
  startedAt: number;
  /** The process's logger (pino), shared with the supervisor so every line has one shape and destination. */
  logger: Logger;
  /** Makes the HTTPS server (tls/httpsServer.ts); without it, Fastify makes a plain HTTP one. */
  serverFactory?: FastifyServerFactory;
  /** One of several worker threads (WORKERS > 1): what it shares with the others. */
  worker?: WorkerShare;
}

/** What a worker thread shares with the others (service/workers/): the key, the limits, the cores' states. */
export interface WorkerShare {
  index: number;
  signer: AttestationKeySource;
  limitTables: SharedRandomLimitTables;
  inFlight: SharedInFlightTable;
  workers(): WorkerCore[];
}

/** Assembles the HTTP API around an attested core. A fresh instance per call, so each test gets its own. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, supervisor, metrics } = deps;
  const app = Fastify({
    loggerInstance: withLazyChildren(deps.logger as FastifyBaseLogger),
    // Fastify's two lines per request are replaced by one line with what matters (telemetry/requestLog.ts).
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler,
    frameworkErrors,
    // Readiness and shutdown: in-flight requests finish, idle keep-alive connections are closed.
    forceCloseConnections: 'idle',
    serverFactory: deps.serverFactory,
  });
  applyServerLimits(app.server, config.serving.timeouts, config.serving.maxConnections);
  decorateRequests(app);
  installErrorHandling(app);
  installRequestLog(app, deps.logger, metrics);
  if (config.tracing) installRequestSpans(app, deps.build.version);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 're4ctor-api',
        version: deps.build.version,
        description: 'Random bytes from an attested, sealed entropy core (re4_dump, NIST SP 800-90A CTR_DRBG).',
      },
      components: {
        securitySchemes: {
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          apiKeyQuery: { type: 'apiKey', in: 'query', name: 'key' },
        },
      },
    },
  });

  const worker = deps.worker;
  // Which worker answered: for tests and demos only, where spreading the load is what is being looked at.
  if (worker !== undefined && config.demo) {
    const index = String(worker.index);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('x-r4-worker', index);
      done();
    });
  }
  const limits = randomRateLimits(config.rateLimits, metrics, worker?.limitTables);
  app.addHook('onClose', (_instance, done) => {
    limits.close();
    done();
  });

  await app.register(healthRoute);
  await app.register(readyRoute, { supervisor });
  const identity = {
    supervisor,
    build: deps.build,
    limits: { maxBytesPerRequest: config.maxBytesPerRequest, rateLimits: config.rateLimits },
    posture: { strictFips: config.strictFips, demo: config.demo },
    startedAt: deps.startedAt,
    ...(worker && { workers: worker.workers }),
  };
  await app.register(versionRoute, identity);
  await app.register(attestationRoute, { ...identity, signer: worker?.signer ?? new AttestationSigner(supervisor) });
  const inFlight =
    worker === undefined ? new BytesInFlight(config.serving.bytesInFlight) : new SharedBytesInFlight(worker.inFlight, config.serving.bytesInFlight);
  await app.register(randomRoute, { supervisor, keys: deps.keys, limits, inFlight, metrics, maxBytesPerRequest: config.maxBytesPerRequest, allowQueryKey: config.allowQueryKey });
  await app.register(vrfRoute, { vrf: deps.vrf, supervisor, keys: deps.keys, limits, allowQueryKey: config.allowQueryKey });
  await app.register(metricsRoute, { metrics });
  await app.register(openapiRoute);
  return app;
}
