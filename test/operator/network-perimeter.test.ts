// The NetworkPolicy the operator renders for an appliance is enforced: on a pod network where a real
// implementation (kube-router's firewall controller) applies NetworkPolicies, only the pods that
// spec.clients names and the operator's namespace reach the entropy pods' port; a pod of the right labels
// in another namespace, one of other labels in the right namespace and one of the appliance's own
// namespace are refused; changing spec.clients lets a namespace in. The operator runs as a pod of its
// namespace, so its attestation probes cross the policy as they do in a real cluster (the node itself, where
// a harness-started operator process would run, always reaches pods). On the code before the per-appliance
// NetworkPolicy, every pod reached every entropy pod.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import type { ApplianceClient, EntropyAppliance } from '../../api/v1alpha1/types.js';
import { createNamespace, useLocalCluster, waitForReadyPod, type Clients } from '../cluster/jest-cluster.js';
import { getFromPod } from '../cluster/pod-exec.js';
import type { TlsTarget } from '../support/https.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { entropyImage, installCrd, installOperatorAccess, OPERATOR_NAMESPACE } from './operator-harness.js';

const local = useLocalCluster({ networkPolicies: true }, 300_000);
let api: ApplianceApi;

const SERVICE_PORT = 8080;
const OPERATOR_HTTP_PORT = 8081;
const KEY = randomBytes(16).toString('hex');

/**
 * The operator as the chart runs it: a pod of its namespace with its ServiceAccount (RBAC and the admission
 * policy of installOperatorAccess apply), its probes leaving from that pod's address. `claimedNamespace` is
 * the POD_NAMESPACE it is told (the chart gives it the pod's own): the namespace its policies admit.
 */
async function startOperatorPod(clients: Clients, name: string, claimedNamespace = OPERATOR_NAMESPACE): Promise<V1Pod> {
  const entropy = entropyImage(local.cluster);
  await clients.core.createNamespacedPod({
    namespace: OPERATOR_NAMESPACE,
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/name': 'r4-operator' } },
      spec: {
        serviceAccountName: 'r4-operator',
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'operator',
            image: 'r4-operator',
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', value: claimedNamespace },
              { name: 'LEASE_NAMESPACE', value: OPERATOR_NAMESPACE },
              { name: 'R4_DEFAULT_IMAGE', value: entropy.image },
              { name: 'R4_DEFAULT_IMAGE_DIGEST', value: entropy.digest },
              { name: 'R4_DEFAULT_CORE_SHA256', value: entropy.coreSha256 },
              { name: 'R4_ALLOWED_IMAGE_REPOSITORIES', value: 'r4' },
              { name: 'HTTP_PORT', value: String(OPERATOR_HTTP_PORT) },
              { name: 'LOG_LEVEL', value: 'debug' },
            ],
            readinessProbe: { httpGet: { path: '/healthz', port: OPERATOR_HTTP_PORT }, periodSeconds: 1 },
          },
        ],
      },
    },
  });
  return waitForReadyPod(clients, OPERATOR_NAMESPACE, name);
}

/** Deletes an operator pod and resolves once it is gone (SIGTERM: it gives up the Lease for the next one). */
async function stopOperatorPod(clients: Clients, name: string): Promise<void> {
  await clients.core.deleteNamespacedPod({ name, namespace: OPERATOR_NAMESPACE }).catch(() => undefined);
  await waitFor(
    async () => {
      const left = await clients.core.readNamespacedPod({ name, namespace: OPERATOR_NAMESPACE }).then(() => true, () => false);
      return { ok: !left, state: left };
    },
    30_000,
    `operator pod ${name} to be gone`,
  );
}

beforeAll(async () => {
  await installCrd(local.clients);
  await installOperatorAccess(local.cluster, local.clients);
  api = new ApplianceApi(local.clients);
}, 180_000);

/** A pod that only has to exist: its network namespace is where a client's connection starts. */
async function clientPod(clients: Clients, namespace: string, name: string, labels: Record<string, string>): Promise<V1Pod> {
  await clients.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: 'main', image: 'echo-server', readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }],
      },
    },
  });
  return waitForReadyPod(clients, namespace, name);
}

/**
 * From inside a client pod, one GET /random over TLS (verified against the appliance's CA, for the name its
 * certificate carries) with the appliance's key: 'served' if 32 bytes came back as hex (pod-exec.ts).
 */
const randomFrom = (client: V1Pod, host: string, trust: TlsTarget) =>
  getFromPod(client, {
    scheme: 'https',
    options: { host, port: SERVICE_PORT, path: '/random?n=32&fmt=hex', ca: trust.ca, servername: trust.servername, headers: { 'x-api-key': KEY } },
    servedBody: /^[0-9a-f]{64}$/,
  });

interface Scene {
  entropyPodIP: string;
  trust: TlsTarget;
  clients: Record<string, V1Pod>;
}

async function outcomes(scene: Scene): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(scene.clients).map(async ([name, pod]) => [name, await randomFrom(pod, scene.entropyPodIP, scene.trust)] as const));
  return Object.fromEntries(entries);
}

/** Waits until every client's outcome is the expected one, then checks it holds a moment later (not a sync in passing). */
async function outcomesBecome(scene: Scene, expected: Record<string, string>, what: string): Promise<void> {
  await waitFor(
    async () => {
      const seen = await outcomes(scene);
      return { ok: JSON.stringify(seen) === JSON.stringify(expected), state: { seen, expected } };
    },
    45_000,
    what,
  );
  expect(await outcomes(scene)).toEqual(expected);
}

/** The appliance's NetworkPolicy ingress peers as the API server has them (the client's model spells `from` as `_from`). */
async function policyPeers(clients: Clients, namespace: string): Promise<unknown[] | undefined> {
  const policy = await clients.objects
    .read({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'demo', namespace } })
    .catch(() => undefined);
  if (!policy) return undefined;
  const spec = JSON.parse(JSON.stringify(policy).replaceAll('"_from":', '"from":')) as { spec: { ingress: { from: unknown[] }[] } };
  return spec.spec.ingress[0]?.from;
}

async function peersBecome(clients: Clients, namespace: string, expected: unknown[]): Promise<void> {
  await waitFor(
    async () => {
      const peers = await policyPeers(clients, namespace);
      return { ok: isDeepStrictEqual(peers, expected), state: peers };
    },
    60_000,
    'the NetworkPolicy to name the expected peers',
  );
}

const attested = (a: EntropyAppliance) =>
  a.status?.attestedReplicas === 1 &&
  condition(a, 'Available')?.status === 'True' &&
  (a.status?.pods ?? []).length === 1 &&
  (a.status?.pods ?? []).every((p) => p.verdict === 'Attested' && (p.consecutiveFailures ?? 0) === 0);

/** Probes that found a pod attested, as the operator pod counts them on /metrics (read from the node). */
async function attestedProbes(operator: V1Pod): Promise<number> {
  const text = await (await fetch(`http://${operator.status?.podIP}:${OPERATOR_HTTP_PORT}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('r4_operator_attestations_total{verdict="Attested",reason="Attested"}'));
  return Number(line?.split(' ').pop() ?? 0);
}

/**
 * The pod is attested by probes made from now on: the status writes only changes (a steady pod's entry does
 * not move), so fresh probes are counted by the operator itself, and any that failed would show in the status.
 */
async function attestedAfresh(operator: V1Pod, namespace: string, what: string, timeoutMs: number): Promise<void> {
  const before = await attestedProbes(operator);
  await waitFor(
    async () => {
      const [probes, appliance] = await Promise.all([attestedProbes(operator), api.get(namespace, 'demo')]);
      return { ok: probes >= before + 2 && attested(appliance), state: { probesSince: probes - before, status: appliance.status } };
    },
    timeoutMs,
    what,
  );
}

/** The peer of one namespace by name (the label the API server gives every namespace). */
const namespaceNamed = (namespace: string): ApplianceClient => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } });

/** Appliance demo of one pod, attested every 2 s, its key Secret labelled for r4, clients as given. */
async function createAppliance(clients: Clients, namespace: string, applianceClients: ApplianceClient[]): Promise<void> {
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'keys', labels: { 'r4.dev/api-keys': 'true' } }, stringData: { 'api-keys': `${KEY}\n` } } });
  await api.create(namespace, 'demo', {
    replicas: 1,
    apiKeySecretRef: { name: 'keys' },
    clients: applianceClients,
    attestation: { intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 2 },
  });
}

local.test(
  'the operator-rendered NetworkPolicy admits spec.clients and the operator namespace to the entropy port, refuses everyone else, and follows spec.clients',
  async ({ namespace, clients }) => {
    const suffix = namespace.slice(-6);
    const lotteryNs = `lottery-${suffix}`;
    const strangerNs = `strangers-${suffix}`;
    const operatorProbeName = `probe-${suffix}`;
    const operator = await startOperatorPod(clients, 'r4-operator');
    try {
      await createNamespace(clients, lotteryNs, { team: 'lottery' });
      await createNamespace(clients, strangerNs);
      const draw: ApplianceClient = { namespaceSelector: { matchLabels: { team: 'lottery' } }, podSelector: { matchLabels: { app: 'draw' } } };
      await createAppliance(clients, namespace, [draw]);
      const [allowed, wrongLabel, wrongNamespace, sameNamespace, operatorNamespace] = await Promise.all([
        clientPod(clients, lotteryNs, 'draw', { app: 'draw' }),
        clientPod(clients, lotteryNs, 'audit', { app: 'audit' }),
        clientPod(clients, strangerNs, 'draw', { app: 'draw' }),
        clientPod(clients, namespace, 'draw', { app: 'draw' }),
        // Any pod of the operator's namespace, whatever its labels: the policy admits the namespace.
        clientPod(clients, OPERATOR_NAMESPACE, operatorProbeName, { app: 'debug' }),
      ]);

      await peersBecome(clients, namespace, [namespaceNamed(OPERATOR_NAMESPACE), draw]);
      await api.waitForStatus(namespace, 'demo', 'its pod attested', attested, 120_000);
      const entropyPodIP = (await api.pods(namespace, 'demo'))[0]?.status?.podIP;
      expect(entropyPodIP).toBeDefined();
      const scene: Scene = {
        entropyPodIP: entropyPodIP!,
        trust: await api.trust(namespace, 'demo'),
        clients: {
          'lottery/draw (spec.clients)': allowed,
          'lottery/audit (other labels)': wrongLabel,
          'strangers/draw (other namespace)': wrongNamespace,
          'own namespace/draw': sameNamespace,
          'operator namespace': operatorNamespace,
        },
      };

      const enforced = {
        'lottery/draw (spec.clients)': 'served',
        'lottery/audit (other labels)': 'ECONNREFUSED',
        'strangers/draw (other namespace)': 'ECONNREFUSED',
        'own namespace/draw': 'ECONNREFUSED',
        'operator namespace': 'served',
      };
      await outcomesBecome(scene, enforced, 'kube-router to enforce the appliance\'s NetworkPolicy');

      // The operator's own probes cross the enforced policy: the pod is attested again, by a probe made after.
      await attestedAfresh(operator, namespace, 'fresh attestations through the enforced policy', 30_000);

      // A client of spec.clients through the Service name, as clients call it.
      expect(await randomFrom(allowed, `demo.${namespace}.svc`, scene.trust)).toBe('served');

      // The spec names the strangers' namespace too: its draw pod gets in, nobody else does.
      const strangers: ApplianceClient = { ...namespaceNamed(strangerNs), podSelector: { matchLabels: { app: 'draw' } } };
      await api.patchSpec(namespace, 'demo', { clients: [draw, strangers] });
      await peersBecome(clients, namespace, [namespaceNamed(OPERATOR_NAMESPACE), draw, strangers]);
      await outcomesBecome(scene, { ...enforced, 'strangers/draw (other namespace)': 'served' }, 'the strangers\' draw pod to be let in');

      // Every namespace, every pod: each refusal above was the policy's doing, not the pod network's.
      await api.patchSpec(namespace, 'demo', { clients: [{ namespaceSelector: {} }] });
      await peersBecome(clients, namespace, [namespaceNamed(OPERATOR_NAMESPACE), { namespaceSelector: {} }]);
      await outcomesBecome(scene, Object.fromEntries(Object.keys(enforced).map((name) => [name, 'served'])), 'every pod to be let in');
    } finally {
      await Promise.all([
        clients.core.deleteNamespace({ name: lotteryNs }).catch(() => undefined),
        clients.core.deleteNamespace({ name: strangerNs }).catch(() => undefined),
        clients.core.deleteNamespacedPod({ name: operatorProbeName, namespace: OPERATOR_NAMESPACE }).catch(() => undefined),
        stopOperatorPod(clients, 'r4-operator'),
      ]);
    }
  },
  300_000,
);

local.test(
  'the operator\'s own probes cross the policy: an operator told another namespace than the one it runs in cannot attest until its namespace is admitted',
  async ({ namespace, clients }) => {
    // A namespace of its own where it keeps its CA Secret, as it would in the namespace it is told.
    const elsewhere = `elsewhere-${namespace.slice(-6)}`;
    await createNamespace(clients, elsewhere);
    await startOperatorPod(clients, 'r4-operator-misplaced', elsewhere);
    try {
      await createAppliance(clients, namespace, []);
      await peersBecome(clients, namespace, [namespaceNamed(elsewhere)]);
      // The service listens (the kubelet's readiness probe, from the node, passes): what fails is the path.
      await waitFor(
        async () => {
          const pod = (await api.pods(namespace, 'demo'))[0];
          return { ok: pod?.status?.containerStatuses?.[0]?.ready === true, state: pod?.status };
        },
        60_000,
        'the entropy container to be ready',
      );
      const since = Date.now();
      const refused = await api.waitForStatus(
        namespace,
        'demo',
        'its pod Unreachable for the operator',
        (a) => a.status?.pods?.[0]?.reason === 'Unreachable' && Date.parse(a.status.pods[0].lastChecked ?? '') > since,
        60_000,
      );
      expect(refused.status?.attestedReplicas ?? 0).toBe(0);
      expect(refused.status?.pods?.[0]?.message).toMatch(/ECONNREFUSED/);

      // The same operator, the same pod: admitting the namespace the operator really runs in is all it takes.
      await api.patchSpec(namespace, 'demo', { clients: [namespaceNamed(OPERATOR_NAMESPACE)] });
      await api.waitForStatus(namespace, 'demo', 'its pod attested once the operator\'s namespace is admitted', attested, 60_000);
    } finally {
      await stopOperatorPod(clients, 'r4-operator-misplaced');
      await clients.core.deleteNamespace({ name: elsewhere }).catch(() => undefined);
    }
  },
  180_000,
);
