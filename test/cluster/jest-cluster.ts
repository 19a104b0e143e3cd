// Jest glue: one local cluster per test file, a fresh namespace per test, typed clients, and failures that
// carry the last lines of every component's log (the logs themselves vanish with the cluster).
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type ClusterOptions, type LocalCluster } from './cluster.js';
import { tailOfFile } from '../support/log-tail.js';
import { waitFor } from '../support/wait-for.js';

export const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The pod once it is Ready and has an address, read back with its status. */
export async function waitForReadyPod(clients: Clients, namespace: string, name: string): Promise<V1Pod> {
  return waitFor(
    async () => {
      const pod = await clients.core.readNamespacedPod({ name, namespace });
      return { ok: isReady(pod) && pod.status?.podIP !== undefined, state: pod };
    },
    60_000,
    `pod ${namespace}/${name} to become Ready`,
  );
}

export interface Clients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  discovery: DiscoveryV1Api;
  rbac: RbacAuthorizationV1Api;
  coordination: CoordinationV1Api;
  objects: KubernetesObjectApi;
}

export function clientsFor(kc: KubeConfig): Clients {
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

export interface ClusterTestContext {
  cluster: LocalCluster;
  clients: Clients;
  /** A namespace made for this test alone (with its default ServiceAccount in place). */
  namespace: string;
}

export interface ClusterHandle {
  readonly cluster: LocalCluster;
  readonly clients: Clients;
  /** Jest's `test`, run in a fresh namespace; a failure's message ends with the components' log tails. */
  test(name: string, body: (context: ClusterTestContext) => Promise<void>, timeoutMs?: number): void;
}

/** The last lines of every log of the cluster: components, kubelets and pod containers. */
function logTails(cluster: LocalCluster, lines = 15): string {
  const logDir = join(cluster.dir, 'logs');
  let files: string[];
  try {
    files = readdirSync(logDir).filter((f) => f.endsWith('.log')).sort();
  } catch {
    return `(no logs: ${logDir} is gone)`;
  }
  return files.map((f) => `--- last lines of ${join(logDir, f)} ---\n${tailOfFile(join(logDir, f), lines)}`).join('\n');
}

function namespaceFor(testName: string): string {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '');
  return `t-${slug}-${randomBytes(3).toString('hex')}`;
}

/** Creates a namespace (with `labels` besides the harness's own) and waits for its default ServiceAccount. */
export async function createNamespace(clients: Clients, name: string, labels: Record<string, string> = {}): Promise<void> {
  await clients.core.createNamespace({ body: { metadata: { name, labels: { 'r4.dev/test-namespace': 'true', ...labels } } } });
  // Pods are rejected until the controller manager has made the namespace's default ServiceAccount.
  await waitFor(
    async () => {
      const accounts = await clients.core.listNamespacedServiceAccount({ namespace: name });
      return { ok: accounts.items.some((a) => a.metadata?.name === 'default'), state: accounts.items.map((a) => a.metadata?.name) };
    },
    30_000,
    `the default ServiceAccount of namespace ${name}`,
  );
}

export function useLocalCluster(options: ClusterOptions = {}, startTimeoutMs = 180_000): ClusterHandle {
  let cluster: LocalCluster | undefined;
  let clients: Clients | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
    clients = clientsFor(cluster.kc);
  }, startTimeoutMs);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  const handle: ClusterHandle = {
    get cluster() {
      if (!cluster) throw new Error('the local cluster did not start; see the beforeAll error above');
      return cluster;
    },
    get clients() {
      if (!clients) throw new Error('the local cluster did not start; see the beforeAll error above');
      return clients;
    },
    test(name, body, timeoutMs = 120_000) {
      test(name, async () => {
        const namespace = namespaceFor(name);
        try {
          await createNamespace(handle.clients, namespace);
          await body({ cluster: handle.cluster, clients: handle.clients, namespace });
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          failure.message = `${failure.message}\n\n${logTails(handle.cluster)}`;
          throw failure;
        } finally {
          // Its pods' processes stop as the namespace empties; the cluster itself goes in afterAll.
          await handle.clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
        }
      }, timeoutMs);
    },
  };
  return handle;
}
