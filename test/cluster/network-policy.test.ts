// NetworkPolicies are enforced on the harness's pod network by a real implementation, kube-router's
// firewall controller: a policy shaped like the operator's per-appliance one lets the selected clients and
// the operator's namespace reach the appliance's port, and nothing else; deleting it opens the pod again.
// The cluster's teardown leaves no kube-router process, iptables chain or ipset behind, nor does the
// death of a cluster's process by SIGKILL.
import type { V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findLeftovers, nothingLeft } from './leftovers.js';
import type { Clients } from './jest-cluster.js';
import { createNamespace, isReady, useLocalCluster, waitForReadyPod } from './jest-cluster.js';
import { getFromPod } from './pod-exec.js';
import { listBridges, parseAlias } from './pod-network.js';
import { liveLocalProcessIds } from '../support/local-process.js';
import { processesMentioning } from '../support/processes.js';
import { compiledDir } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const local = useLocalCluster({ networkPolicies: true }, 300_000);

const servicePort = 8080;
const otherPort = 9090;

function echoContainer(name: string, port: number) {
  return {
    name,
    image: 'echo-server',
    env: [{ name: 'PORT', value: String(port) }],
    ports: [{ containerPort: port }],
    readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1 },
  };
}

async function runningPod(clients: Clients, namespace: string, name: string, labels: Record<string, string>, ports: number[]): Promise<V1Pod> {
  await clients.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels },
      spec: { terminationGracePeriodSeconds: 2, containers: ports.map((port, i) => echoContainer(`listen-${i}`, port)) },
    },
  });
  return waitForReadyPod(clients, namespace, name);
}

/** One HTTP GET to the echo server at address:port from inside a client pod (pod-exec.ts). */
const reach = (client: V1Pod, address: string, port: number) =>
  getFromPod(client, { scheme: 'http', options: { host: address, port, path: '/' }, servedBody: /^hello from/ });

interface Scene {
  server: V1Pod;
  clients: Record<string, V1Pod>;
}

/** Each client's outcome against the server's service port, and the allowed client's against another port. */
async function outcomes(scene: Scene): Promise<Record<string, string>> {
  const address = scene.server.status!.podIP!;
  const entries = await Promise.all(
    Object.entries(scene.clients).map(async ([name, pod]) => [name, await reach(pod, address, servicePort)] as const),
  );
  const otherPortOutcome = await reach(scene.clients.allowed!, address, otherPort);
  return { ...Object.fromEntries(entries), 'allowed on another port': otherPortOutcome };
}

async function outcomesBecome(scene: Scene, expected: Record<string, string>, what: string): Promise<void> {
  await waitFor(
    async () => {
      const seen = await outcomes(scene);
      return { ok: JSON.stringify(seen) === JSON.stringify(expected), state: { seen, expected } };
    },
    30_000,
    what,
  );
}

/** The operator's per-appliance policy, as the appliance controller renders it: its clients and the operator's namespace. */
function appliancePolicy(operatorNamespace: string): V1NetworkPolicy {
  return {
    metadata: { name: 'demo' },
    spec: {
      podSelector: { matchLabels: { 'r4.dev/appliance': 'demo' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [{ protocol: 'TCP', port: servicePort }],
          _from: [
            { namespaceSelector: { matchLabels: { 'r4.dev/entropy-clients': 'true' } }, podSelector: { matchLabels: { role: 'entropy-client' } } },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': operatorNamespace } } },
          ],
        },
      ],
    },
  };
}

local.test(
  'a policy shaped like the appliance one admits its clients and the operator namespace on the service port only',
  async ({ clients, namespace }) => {
    const suffix = namespace.slice(-6);
    const clientNs = `clients-${suffix}`;
    const strangerNs = `strangers-${suffix}`;
    const operatorNs = `r4-operator-${suffix}`;
    const extraNamespaces = [clientNs, strangerNs, operatorNs];
    const networking = clients.kc.makeApiClient(NetworkingV1Api);
    try {
      await createNamespace(clients, clientNs, { 'r4.dev/entropy-clients': 'true' });
      await createNamespace(clients, strangerNs);
      await createNamespace(clients, operatorNs);
      const [server, allowed, wrongLabel, wrongNamespace, sameNamespace, operator] = await Promise.all([
        runningPod(clients, namespace, 'appliance', { 'r4.dev/appliance': 'demo' }, [servicePort, otherPort]),
        runningPod(clients, clientNs, 'allowed', { role: 'entropy-client' }, [servicePort]),
        runningPod(clients, clientNs, 'wrong-label', { role: 'something-else' }, [servicePort]),
        runningPod(clients, strangerNs, 'wrong-namespace', { role: 'entropy-client' }, [servicePort]),
        runningPod(clients, namespace, 'neighbour', { role: 'entropy-client' }, [servicePort]),
        runningPod(clients, operatorNs, 'operator', { app: 'r4-operator' }, [servicePort]),
      ]);
      const scene: Scene = {
        server: server!,
        clients: { allowed: allowed!, 'wrong label': wrongLabel!, 'wrong namespace': wrongNamespace!, 'same namespace': sameNamespace!, operator: operator! },
      };
      const open = { allowed: 'served', 'wrong label': 'served', 'wrong namespace': 'served', 'same namespace': 'served', operator: 'served', 'allowed on another port': 'served' };

      // Without a policy every pod reaches every port: what follows is the policy's doing.
      expect(await outcomes(scene)).toEqual(open);

      await networking.createNamespacedNetworkPolicy({ namespace, body: appliancePolicy(operatorNs) });
      const enforced = {
        allowed: 'served',
        'wrong label': 'ECONNREFUSED',
        'wrong namespace': 'ECONNREFUSED',
        'same namespace': 'ECONNREFUSED',
        operator: 'served',
        'allowed on another port': 'ECONNREFUSED',
      };
      await outcomesBecome(scene, enforced, 'kube-router to enforce the policy');
      // Still so a moment later: not a passing state of a sync in progress.
      expect(await outcomes(scene)).toEqual(enforced);
      // The node itself (the harness's probes, this process) still reaches the pod, as on a real node.
      expect(isReady(await clients.core.readNamespacedPod({ name: 'appliance', namespace }))).toBe(true);

      await networking.deleteNamespacedNetworkPolicy({ name: 'demo', namespace });
      await outcomesBecome(scene, open, 'every pod to reach the appliance again once the policy is gone');
    } finally {
      await Promise.all(extraNamespaces.map((name) => clients.core.deleteNamespace({ name }).catch(() => undefined)));
    }
  },
  240_000,
);

/** kube-router's own state in this machine's firewall: chains of the filter table, and ipsets. */
async function kubeRouterFirewallState(): Promise<string[]> {
  const { stdout: rules } = await run('iptables-save', ['-t', 'filter']);
  const { stdout: sets } = await run('ipset', ['list', '-n']);
  return [...rules.split('\n'), ...sets.split('\n')].filter((line) => /KUBE-(ROUTER|POD-FW|NWPLCY|SRC|DST)/.test(line));
}

local.test('teardown stops kube-router and removes its chains and ipsets', async ({ cluster, clients, namespace }) => {
  await runningPod(clients, namespace, 'appliance', { 'r4.dev/appliance': 'demo' }, [servicePort]);
  await clients.kc.makeApiClient(NetworkingV1Api).createNamespacedNetworkPolicy({ namespace, body: appliancePolicy('r4-operator') });
  await waitFor(
    async () => {
      const state = await kubeRouterFirewallState();
      return { ok: state.some((line) => line.startsWith(':KUBE-NWPLCY-') && !line.startsWith(':KUBE-NWPLCY-DEFAULT')), state };
    },
    30_000,
    "kube-router's chain for the policy",
  );
  const before = { dir: cluster.dir, slot: cluster.network.slot, pids: liveLocalProcessIds() };

  await cluster.stop();

  expect(await findLeftovers(before)).toEqual(nothingLeft);
  expect(await kubeRouterFirewallState()).toEqual([]);
});

test('a cluster enforcing policies killed with SIGKILL leaves no kube-router process, chain or ipset behind', async () => {
  // Only one cluster at a time enforces policies: the file's own goes first (a second stop does nothing).
  await local.cluster.stop();
  const cli = join(compiledDir, 'test', 'cluster', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing; run: npm run build:ts`);
  const stateDir = join(tmpdir(), `r4-cluster-netpol-${randomBytes(4).toString('hex')}`);
  const server = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, R4_CLUSTER_STATE_DIR: stateDir, R4_NETWORK_POLICIES: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(server, 'exit');
  try {
    await waitFor(async () => ({ ok: existsSync(join(stateDir, 'ready')), state: output }), 180_000, 'the cluster process to report ready');
    expect((await kubeRouterFirewallState()).some((line) => line.startsWith(':KUBE-ROUTER-FORWARD'))).toBe(true);
    const bridge = (await listBridges()).find((b) => parseAlias(b.ifalias)?.dir === stateDir);
    const slot = Number(bridge?.ifname.replace(/^\D+/, ''));
    const components = processesMentioning(stateDir).map((line) => Number(line.split(' ')[0]));
    expect(components.length).toBeGreaterThanOrEqual(5); // etcd, the API server, two controllers, kube-router

    server.kill('SIGKILL');
    await exited;
    await waitFor(
      async () => {
        const left = { ...(await findLeftovers({ dir: stateDir, slot, pids: [server.pid!, ...components] })), firewall: await kubeRouterFirewallState() };
        return { ok: JSON.stringify(left) === JSON.stringify({ ...nothingLeft, firewall: [] }), state: left };
      },
      15_000,
      `everything of the killed cluster in ${stateDir}, kube-router's firewall state included, to be gone`,
    );
  } finally {
    server.kill('SIGKILL');
  }
}, 240_000);
