// Workloads on the fake node behave as on a real one: Deployments become Ready and reachable through
// their pod IPs, readiness gates hold pods back until their condition is True, and deleting a
// Deployment garbage-collects its pods and stops their processes.
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clients } from './jest-cluster.js';
import { useLocalCluster } from './jest-cluster.js';
import { alive } from '../support/processes.js';
import { inPodNetns, podProcessPid } from './pod-exec.js';
import { listNetns, netnsEtcDir } from './pod-network.js';
import { waitFor } from '../support/wait-for.js';

const local = useLocalCluster();

/** GET against a pod address (inside a namespace the harness made); resolves with status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function deployment(name: string, image: string, replicas: number, podSpec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Deployment {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          ...podSpec,
          containers: [
            {
              name: 'main',
              image,
              ports: [{ name: 'http', containerPort: 8080 }],
              ...podSpec.containers?.[0],
            },
          ],
        },
      },
    },
  };
}

function service(app: string) {
  return { metadata: { name: app }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
}

const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);

async function podsOf(clients: Clients, namespace: string, app: string): Promise<V1Pod[]> {
  return (await clients.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

async function readyPods(clients: Clients, namespace: string, app: string, count: number): Promise<V1Pod[]> {
  return waitFor(
    async () => {
      const pods = await podsOf(clients, namespace, app);
      return { ok: pods.length === count && pods.every(isReady), state: pods };
    },
    90_000,
    `${count} Ready pod(s) of ${namespace}/${app}`,
  );
}

local.test('a Deployment of the real entropy service becomes Ready and serves /random through its pod IP', async ({ clients, namespace }) => {
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'api-key' }, stringData: { key: 'cluster-test-key-0123456789abcdef0123456789' } } });
  await clients.apps.createNamespacedDeployment({
    namespace,
    body: deployment('entropy', 'r4:local', 1, {
      containers: [
        {
          name: 'main',
          image: 'r4:local',
          env: [
            { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api-key', key: 'key' } } },
            { name: 'PORT', value: '8080' },
            // Plain HTTP on the pod's address, said out loud: this test is about the harness, not TLS.
            { name: 'ALLOW_PLAIN_HTTP', value: '1' },
          ],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
        },
      ],
    }),
  });
  await clients.core.createNamespacedService({ namespace, body: service('entropy') });
  const [pod] = await readyPods(clients, namespace, 'entropy', 1);
  const podIP = pod!.status!.podIP!;
  expect(podIP).toMatch(/^10\.244\./);

  await waitFor(
    async () => {
      const slices = await clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=entropy' });
      const addresses = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses));
      return { ok: addresses.includes(podIP), state: slices.items };
    },
    30_000,
    `an EndpointSlice of Service entropy listing ${podIP} as ready`,
  );

  const health = await get(`http://${podIP}:8080/health`);
  expect(health.status).toBe(200);
  const random = await get(`http://${podIP}:8080/random?n=32&fmt=hex`, { 'x-api-key': 'cluster-test-key-0123456789abcdef0123456789' });
  expect(random.status).toBe(200);
  expect(random.body.trim()).toMatch(/^[0-9a-f]{64}$/);
});

local.test('a pod with a readiness gate stays not Ready until the gate\'s condition is patched True', async ({ clients, namespace }) => {
  const gate = 'r4.dev/attested';
  await clients.core.createNamespacedService({ namespace, body: service('gated') });
  await clients.apps.createNamespacedDeployment({
    namespace,
    body: deployment('gated', 'echo-server', 1, {
      readinessGates: [{ conditionType: gate }],
      containers: [{ name: 'main', image: 'echo-server', readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 } }],
    }),
  });
  const pod = await waitFor(
    async () => {
      const [p] = await podsOf(clients, namespace, 'gated');
      return { ok: condition(p ?? {}, 'ContainersReady')?.status === 'True', state: p ?? {} };
    },
    60_000,
    'the gated pod\'s containers to become ready',
  );
  const name = pod.metadata!.name!;
  // Containers are ready and serving, but the gate holds the pod back, for as long as nobody sets it.
  expect((await get(`http://${pod.status!.podIP}:8080/`)).body).toBe(`hello from ${name}\n`);
  await sleep(3000);
  const held = await clients.core.readNamespacedPod({ name, namespace });
  expect(condition(held, 'Ready')).toMatchObject({
    status: 'False',
    reason: 'ReadinessGatesNotReady',
    message: `corresponding condition of pod readiness gate "${gate}" does not exist.`,
  });
  const slices = await clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=gated' });
  expect(slices.items.flatMap((s) => s.endpoints ?? []).every((e) => e.conditions?.ready !== true)).toBe(true);

  await clients.core.patchNamespacedPodStatus(
    { name, namespace, body: { status: { conditions: [{ type: gate, status: 'True', lastTransitionTime: new Date() }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );

  const ready = await waitFor(
    async () => {
      const p = await clients.core.readNamespacedPod({ name, namespace });
      return { ok: isReady(p), state: p };
    },
    30_000,
    `pod ${name} to become Ready once ${gate} is True`,
  );
  expect(condition(ready, gate)?.status).toBe('True');
  await waitFor(
    async () => {
      const list = await clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=gated' });
      const ok = list.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready && e.addresses.includes(ready.status!.podIP!)));
      return { ok, state: list.items };
    },
    30_000,
    'the gated pod to become a ready endpoint',
  );
});

local.test('deleting a Deployment garbage-collects its pods and stops their processes', async ({ clients, namespace }) => {
  await clients.apps.createNamespacedDeployment({ namespace, body: deployment('doomed', 'echo-server', 2) });
  const pods = await readyPods(clients, namespace, 'doomed', 2);
  const pids = pods.map(podProcessPid);
  expect(pids.every((pid) => Number.isInteger(pid) && alive(pid))).toBe(true);
  // The kernel's answer to "which namespace is this process in" (namespaces named by `ip netns add`).
  const podNetns = pids.map((pid) => execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim());
  expect(podNetns.every((ns) => ns.startsWith('r4-'))).toBe(true);

  await clients.apps.deleteNamespacedDeployment({ name: 'doomed', namespace, propagationPolicy: 'Background' });

  await waitFor(
    async () => {
      const [left, replicaSets] = await Promise.all([
        podsOf(clients, namespace, 'doomed'),
        clients.apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=doomed' }),
      ]);
      return { ok: left.length === 0 && replicaSets.items.length === 0, state: { pods: left, replicaSets: replicaSets.items } };
    },
    60_000,
    'the garbage collector to remove the ReplicaSet and its pods',
  );
  expect(pids.filter(alive)).toEqual([]);
  await waitFor(
    async () => {
      const left = (await listNetns()).filter((ns) => podNetns.includes(ns));
      const etc = podNetns.filter((ns) => existsSync(join(netnsEtcDir, ns)));
      return { ok: left.length === 0 && etc.length === 0, state: { netns: left, etc } };
    },
    10_000,
    `the pods' network namespaces ${podNetns.join(', ')} and their /etc files to be removed`,
  );
});

local.test('pods reach Services by name and ClusterIP, spread over ready endpoints, and the API server through the kubernetes Service', async ({ cluster, clients, namespace }) => {
  await clients.apps.createNamespacedDeployment({ namespace, body: deployment('web', 'echo-server', 2) });
  await clients.core.createNamespacedService({ namespace, body: service('web') });
  await clients.core.createNamespacedService({ namespace, body: service('nobody') });
  const pods = await readyPods(clients, namespace, 'web', 2);
  const clusterIP = (await clients.core.readNamespacedService({ name: 'web', namespace })).spec?.clusterIP;
  // The EndpointSlice controller works asynchronously: wait until both pods are listed.
  await waitFor(
    async () => {
      const slices = await clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=web' });
      const addresses = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses);
      return { ok: addresses.length === 2, state: addresses };
    },
    30_000,
    'both web pods in the EndpointSlice',
  );

  const served = await inPodNetns(
    podProcessPid(pods[0] as V1Pod),
    // A new connection per request (agent: false): the NAT choice is made once per connection. The harness
    // programs the pod's rules from its own watch, a moment after the EndpointSlice lists both pods (as
    // kube-proxy does): connections go on until both pods have answered, for at most 15 s.
    `import { get } from 'node:http';
     const text = (url) => new Promise((resolve, reject) => {
       const request = get(url, { agent: false, timeout: 2000 }, (res) => { let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(body.trim())); });
       request.on('timeout', () => request.destroy(new Error('timed out'))).on('error', reject);
     });
     const names = new Set();
     const errors = [];
     let connections = 0;
     for (const deadline = Date.now() + 15000; names.size < 2 && Date.now() < deadline; connections++) {
       await text('http://web.${namespace}.svc/').then((name) => names.add(name), (e) => errors.push(e.code ?? e.message));
     }
     console.log(JSON.stringify({ names: [...names].sort(), connections, errors: errors.slice(-3), byIP: await text('http://${clusterIP}/'), short: await text('http://web/') }));`,
  );
  expect({ status: served.status, stderr: served.stderr }).toEqual({ status: 0, stderr: '' });
  const answer = JSON.parse(served.stdout) as { names: string[]; connections: number; errors: string[]; byIP: string; short: string };
  // objectContaining prints the whole answer on a mismatch: how many connections, and the last errors.
  expect(answer).toEqual(expect.objectContaining({ names: pods.map((p) => `hello from ${p.metadata?.name}`).sort() }));
  expect(answer.byIP).toMatch(/^hello from web-/);
  expect(answer.short).toMatch(/^hello from web-/);

  // No ready endpoint: refused at once, not a hang.
  const refused = await inPodNetns(podProcessPid(pods[0] as V1Pod), `fetch('http://nobody.${namespace}.svc/').then(() => console.log('answered'), (e) => console.log(e.cause?.code))`);
  expect(refused.stdout.trim()).toBe('ECONNREFUSED');

  // The kubernetes Service leads to the API server, whose certificate names its ClusterIP.
  const ca = readFileSync(cluster.kc.getCurrentCluster()?.caFile ?? '').toString('base64');
  const api = await inPodNetns(
    podProcessPid(pods[1] as V1Pod),
    `import { get } from 'node:https';
     get('https://kubernetes.default.svc/readyz', { agent: false, ca: Buffer.from('${ca}', 'base64') }, (res) => { console.log(res.statusCode); res.resume(); }).on('error', (e) => console.log(e.message));`,
  );
  expect({ status: api.status, stderr: api.stderr }).toEqual({ status: 0, stderr: '' });
  expect(api.stdout.trim()).toMatch(/^(200|401|403)$/);
});

local.test('a pod whose image has no local program fails with a message saying so', async ({ clients, namespace }) => {
  await clients.core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'unknown' }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
  });
  const pod = await waitFor(
    async () => {
      const p = await clients.core.readNamespacedPod({ name: 'unknown', namespace });
      return { ok: p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull', state: p };
    },
    30_000,
    'pod unknown to report ErrImagePull',
  );
  expect(pod.status?.phase).toBe('Pending');
  expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain('no local program for image "nginx:1.27"');
});
