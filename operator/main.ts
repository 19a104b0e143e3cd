// The operator process: configuration, the HTTP endpoints, leader election, the controller that runs
// while this replica leads, and the read-only dashboard every replica serves from watches of its own.
// SIGTERM releases the lease so a standby takes over at once.
import { readFileSync } from 'node:fs';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { loadConfig, type OperatorConfig } from './config.js';
import { Controller } from './controller.js';
import { FleetView } from './dashboard/fleet-view.js';
import { startDashboardServer } from './dashboard/server.js';
import { DashboardWatches } from './dashboard/watches.js';
import { createLogger, describeError } from './log.js';
import { OperatorKubeConfig } from './manager/api-connection.js';
import { LeaderElector } from './manager/leader-election.js';
import { startHttpServer } from './telemetry/http-server.js';
import { createOperatorMetrics } from './telemetry/metrics.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(config: OperatorConfig): Promise<void> {
  const log = createLogger(config.logLevel, { component: 'r4-operator', identity: config.identity });
  let controller: Controller | undefined;
  const metrics = createOperatorMetrics(version, {
    isLeader: () => controller !== undefined,
    appliances: () => controller?.counts() ?? [],
  });
  const kubeConfig = new OperatorKubeConfig({ qps: config.apiQps, burst: config.apiBurst }, (request) => metrics.apiRequest(request));
  kubeConfig.loadFromDefault();

  let transition: Promise<void> = Promise.resolve();
  const elector = new LeaderElector(
    kubeConfig.makeApiClient(CoordinationV1Api),
    { namespace: config.leaseNamespace, name: config.leaseName, identity: config.identity, leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
    {
      onStartedLeading: () => {
        log.info('became the leader', { lease: `${config.leaseNamespace}/${config.leaseName}` });
        transition = transition.then(startController);
      },
      onStoppedLeading: (reason) => {
        log.warn('stopped leading', { reason });
        transition = transition.then(stopController);
      },
      onError: (message) => log.warn('leader election: could not read or write the lease', { error: message }),
    },
  );
  const defaults = { image: config.defaultImage, imageDigest: config.defaultImageDigest, coreSha256: config.defaultCoreSha256 };

  async function startController(): Promise<void> {
    const c = new Controller(kubeConfig, {
      watchNamespaces: config.watchNamespaces,
      allowedImageRepositories: config.allowedImageRepositories,
      operatorNamespace: config.operatorNamespace,
      defaults,
      probeConcurrency: config.probeConcurrency,
      log,
      metrics,
      core: { corePath: config.corePath, manifestPath: config.manifestPath },
      // The leader reads pods from the dashboard's cache rather than holding a second copy.
      ...(watches && { pods: watches.pods }),
    });
    controller = c;
    await c.start();
  }
  async function stopController(): Promise<void> {
    const c = controller;
    controller = undefined;
    await c?.stop();
  }

  const view: FleetView = new FleetView({ replica: config.identity, leader: () => controller !== undefined, synced: (): boolean => watches?.synced ?? false });
  const watches: DashboardWatches | undefined = config.dashboardPort === undefined ? undefined : new DashboardWatches(kubeConfig, config.watchNamespaces, view, log, metrics);
  const dashboard =
    config.dashboardPort === undefined
      ? undefined
      : await startDashboardServer({
          host: config.dashboardHost,
          port: config.dashboardPort,
          source: view,
          assetsDir: config.dashboardAssetsDir,
          ...(config.dashboardTokenFile && { tokenFile: config.dashboardTokenFile }),
          log,
        });
  void watches?.start().catch((error: unknown) => log.warn('dashboard watches failed to start; they retry', { error: describeError(error) }));

  const http = await startHttpServer(config.httpHost, config.httpPort, {
    ready: () => {
      if (watches && !watches.synced) return { ok: false, reason: "the dashboard's watches have not listed the cluster yet" };
      return controller?.readiness() ?? { ok: true, reason: 'standby: campaigning for the lease' };
    },
    metrics: () => metrics.render(),
  });
  log.info('r4 operator started', {
    version,
    http: `${config.httpHost}:${http.port}`,
    dashboard: dashboard ? `${config.dashboardHost}:${dashboard.port}` : 'off',
    leaderElection: config.leaderElection,
  });

  if (config.leaderElection) elector.start();
  else transition = transition.then(startController);

  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await elector.stop();
    await transition;
    await stopController();
    await Promise.all([watches?.stop(), dashboard?.close()]);
    http.server.close();
    await metrics.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

let config: OperatorConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`r4-operator: ${(error as Error).message}\n`);
  process.exit(2);
}
main(config).catch((error: unknown) => {
  process.stderr.write(`r4-operator: ${describeError(error)}\n`);
  process.exit(1);
});
