// etcd, kube-apiserver, kube-controller-manager and kube-scheduler as local processes on free loopback
// ports, with a throwaway PKI, client-certificate auth and RBAC. Everything lives under one directory
// that the caller owns (logs in <dir>/logs, one file per component).
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { pollUntil } from '../support/backoff.js';
import { binaryPath, type BinaryName } from './binaries.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { httpsGet, type ClientTls } from './https-status.js';
import { renderKubeconfig } from './kubeconfig.js';
import { startLocalProcess, type LocalProcess } from '../support/local-process.js';
import { tailOfFile } from '../support/log-tail.js';
import { createPki, type ClusterPki } from './pki.js';

export interface ControlPlane {
  dir: string;
  server: string;
  kubeconfigPath: string;
  pki: ClusterPki;
  /** Stops kube-apiserver and starts it again on the same port (clients keep their kubeconfig). */
  restartApiServer(): Promise<void>;
  /** Stops etcd and starts it again on the same port and data: the API server loses its storage meanwhile. */
  restartEtcd(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /**
   * The API server's audit log for these users only (level Metadata, no RequestReceived stage), as JSON
   * lines in <dir>/logs/audit.log: the only place a request's client is named (its metrics carry no
   * client label). Default: no audit log.
   */
  auditLog?: { users: string[] };
  /**
   * The client rate limits of kube-controller-manager (--kube-api-qps/--kube-api-burst; default 20/30) and
   * kube-scheduler (clientConnection; default 50/100): raised, so a thousand pods are not created at 20 a second.
   */
  clientQps?: { qps: number; burst: number };
}

/** Where the audit log goes when there is one. */
export const auditLogPath = (dir: string) => join(dir, 'logs', 'audit.log');

/** The Service range; 10.0.0.1 (the `kubernetes` Service) is in the serving certificate. */
export const serviceClusterIpRange = '10.0.0.0/24';
/** The first address of that range: the `kubernetes` Service's ClusterIP, named in the API server's certificate. */
export const kubernetesServiceAddress = '10.0.0.1';

interface Layout {
  dir: string;
  options: ControlPlaneOptions;
  logs: string;
  etcdData: string;
  kubeconfig: string;
  pki: ClusterPki;
}

// Flags checked against `--help` of the v1.36.3 binaries built by bins/build.sh.
function etcdArgs(layout: Layout, clientPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  return [
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    // Single member: the peer listener is never used, so let the kernel pick its port.
    '--listen-peer-urls=http://127.0.0.1:0',
    // Throwaway data: skipping fsync makes a 2-core machine's writes several times faster.
    '--unsafe-no-fsync',
  ];
}

function apiserverArgs(layout: Layout, etcdPort: number, port: number): string[] {
  const { pki } = layout;
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--advertise-address=127.0.0.1',
    // The reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint, which Endpoints
    // validation rejects (an error every 10 s); nothing here reaches the API server through that Service.
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    `--service-account-issuer=https://127.0.0.1:${port}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--allow-privileged=true',
    '--profiling=false',
    ...(layout.options.auditLog
      ? [`--audit-policy-file=${join(layout.dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLogPath(layout.dir)}`, '--audit-log-format=json']
      : []),
  ];
}

/** Metadata (who, verb, resource, status; no bodies) for the given users, nothing for anyone else. */
function auditPolicy(users: string[]): string {
  return JSON.stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [{ level: 'Metadata', users }, { level: 'None' }],
  });
}

/**
 * Flags both controllers share: serve health on our certificate and trust our CA for clients. Skipping
 * the lookup of the API server's authentication config stops a stream of errors about the
 * front-proxy (requestheader) CA, which this cluster does not have.
 */
function controllerServingArgs(layout: Layout, port: number): string[] {
  return [
    `--kubeconfig=${layout.kubeconfig}`,
    `--authentication-kubeconfig=${layout.kubeconfig}`,
    `--authorization-kubeconfig=${layout.kubeconfig}`,
    '--authentication-skip-lookup',
    `--client-ca-file=${layout.pki.caCert}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${layout.pki.apiserverCert}`,
    `--tls-private-key-file=${layout.pki.apiserverKey}`,
    '--profiling=false',
  ];
}

function controllerManagerArgs(layout: Layout, port: number): string[] {
  return [
    ...controllerServingArgs(layout, port),
    // The harness renews node Leases, but a fake node must never be tainted and its pods evicted because
    // a test paused the harness (a debugger, a slow machine), so node lifecycle stays off.
    '--controllers=*,-node-lifecycle-controller',
    `--root-ca-file=${layout.pki.caCert}`,
    `--service-account-private-key-file=${layout.pki.serviceAccountKey}`,
    '--use-service-account-credentials=false',
    ...(layout.options.clientQps ? [`--kube-api-qps=${layout.options.clientQps.qps}`, `--kube-api-burst=${layout.options.clientQps.burst}`] : []),
  ];
}

/** The scheduler's rate limits are set in its configuration file only, where its kubeconfig then goes too. */
function schedulerConfigPath(layout: Layout): string {
  return join(layout.dir, 'kube-scheduler.json');
}

function schedulerConfig(layout: Layout, qps: { qps: number; burst: number }): string {
  return JSON.stringify({
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    clientConnection: { kubeconfig: layout.kubeconfig, qps: qps.qps, burst: qps.burst },
    leaderElection: { leaderElect: false },
  });
}

function schedulerArgs(layout: Layout, port: number): string[] {
  if (!layout.options.clientQps) return controllerServingArgs(layout, port);
  const flags = controllerServingArgs(layout, port).filter((flag) => !flag.startsWith('--kubeconfig=') && !flag.startsWith('--leader-elect='));
  return [...flags, `--config=${schedulerConfigPath(layout)}`];
}

function httpGetStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

interface ComponentSpec {
  name: BinaryName;
  args(port: number): string[];
  healthy(port: number): Promise<boolean>;
  timeoutMs: number;
}

const portAttempts = 3;

/**
 * Starts a component on a fresh loopback port (or the given one) and waits until it is healthy. If it
 * exits first because another process took a fresh port in the meantime, it is tried again on a new one.
 */
async function startComponent(
  layout: Layout,
  spec: ComponentSpec,
  running: Map<string, LocalProcess>,
  fixedPort?: number,
): Promise<{ process: LocalProcess; port: number }> {
  const logFile = join(layout.logs, `${spec.name}.log`);
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freeLoopbackPort());
    const started = startLocalProcess({ name: spec.name, argv: [binaryPath(spec.name), ...spec.args(port)], logFile });
    running.set(spec.name, started);
    let exitedEarly = false;
    void started.exited.then(() => (exitedEarly = true));
    try {
      await pollUntil(
        async () => (exitedEarly ? false : (await spec.healthy(port)) ? true : undefined),
        { timeoutMs: spec.timeoutMs, firstDelayMs: 100, maxDelayMs: 1000 },
        () => `${spec.name} did not become healthy on 127.0.0.1:${port} within ${spec.timeoutMs / 1000}s`,
      );
    } catch (error) {
      await started.stop(2000);
      throw new Error(`${(error as Error).message}; last lines of ${logFile}:\n${tailOfFile(logFile)}`);
    }
    if (!exitedEarly) return { process: started, port };
    const tail = tailOfFile(logFile);
    if (fixedPort === undefined && attempt < portAttempts && /address already in use/i.test(tail)) continue;
    throw new Error(`${spec.name} exited while starting; last lines of ${logFile}:\n${tail}`);
  }
}

export async function startControlPlane(dir: string, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const layout: Layout = {
    dir,
    options,
    logs: join(dir, 'logs'),
    etcdData: join(dir, 'etcd'),
    kubeconfig: join(dir, 'kubeconfig'),
    pki: await createPki(join(dir, 'pki')),
  };
  await mkdir(layout.logs, { recursive: true });
  if (options.auditLog) await writeFile(join(dir, 'audit-policy.yaml'), auditPolicy(options.auditLog.users), { mode: 0o600 });
  if (options.clientQps) await writeFile(schedulerConfigPath(layout), schedulerConfig(layout, options.clientQps), { mode: 0o600 });
  const tls: ClientTls = { caCert: layout.pki.caCert, clientCert: layout.pki.adminCert, clientKey: layout.pki.adminKey };
  const healthz = (path: string) => async (port: number) => (await httpsGet(`https://127.0.0.1:${port}${path}`, tls))?.status === 200;
  const running = new Map<string, LocalProcess>();
  const stop = async () => {
    // Reverse start order: controllers first, etcd last, so nothing logs errors about a vanished peer.
    for (const group of [['kube-scheduler', 'kube-controller-manager'], ['kube-apiserver'], ['etcd']]) {
      await Promise.all(group.map((name) => running.get(name)?.stop(10_000)));
    }
  };
  try {
    const etcdSpec: ComponentSpec = {
      name: 'etcd',
      args: (port) => etcdArgs(layout, port),
      healthy: async (port) => (await httpGetStatus(`http://127.0.0.1:${port}/health`)) === 200,
      timeoutMs: 30_000,
    };
    const etcd = await startComponent(layout, etcdSpec, running);
    const restartEtcd = async () => {
      await running.get('etcd')?.stop(10_000);
      await startComponent(layout, etcdSpec, running, etcd.port);
    };
    const apiserverSpec: ComponentSpec = {
      name: 'kube-apiserver',
      args: (port) => apiserverArgs(layout, etcd.port, port),
      healthy: healthz('/readyz'),
      timeoutMs: 120_000,
    };
    const apiserver = await startComponent(layout, apiserverSpec, running);
    const restartApiServer = async () => {
      await running.get('kube-apiserver')?.stop(10_000);
      await startComponent(layout, apiserverSpec, running, apiserver.port);
    };
    const server = `https://127.0.0.1:${apiserver.port}`;
    await writeFile(
      layout.kubeconfig,
      renderKubeconfig({ server, caCert: tls.caCert, clientCert: tls.clientCert, clientKey: tls.clientKey, name: 'r4-local' }),
      { mode: 0o600 },
    );
    // Both start while the other waits; a failure of either still stops both (they are in `running`).
    await Promise.all([
      startComponent(layout, { name: 'kube-controller-manager', args: (port) => controllerManagerArgs(layout, port), healthy: healthz('/healthz'), timeoutMs: 60_000 }, running),
      startComponent(layout, { name: 'kube-scheduler', args: (port) => schedulerArgs(layout, port), healthy: healthz('/healthz'), timeoutMs: 60_000 }, running),
    ]);
    return { dir, server, kubeconfigPath: layout.kubeconfig, pki: layout.pki, restartApiServer, restartEtcd, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
