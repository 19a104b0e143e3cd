// The operator is not a confused deputy: whoever may create an EntropyAppliance cannot use it to take
// over someone else's object, run an image of their choosing, or mount a Secret of the namespace; and every
// appliance gets a NetworkPolicy that admits only its clients. Each attack is tried against the real
// control plane, with the operator running as its ServiceAccount under the chart's admission policy. On
// the code before these defences, the Service and PodDisruptionBudget were taken over (and deleted with
// the appliance), the image ran, the Secrets were mounted, and no NetworkPolicy existed.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { useLocalCluster, type Clients } from '../cluster/jest-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { installCrd, installOperatorAccess, OPERATOR_NAMESPACE, startOperator, type OperatorProcess } from './operator-harness.js';

const local = useLocalCluster({ runtime: 'process' });
let operator: OperatorProcess;
let api: ApplianceApi;

beforeAll(async () => {
  await installCrd(local.clients);
  operator = await startOperator(local.cluster, await installOperatorAccess(local.cluster, local.clients), 'op-deputy');
  api = new ApplianceApi(local.clients);
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

const API_KEYS = { 'r4.dev/api-keys': 'true' };

async function keySecret(clients: Clients, namespace: string, name: string, labels: Record<string, string>): Promise<void> {
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name, labels }, stringData: { 'api-keys': `${randomBytes(16).toString('hex')}\n` } } });
}

async function deployment(clients: Clients, namespace: string, name: string): Promise<V1Deployment | undefined> {
  return clients.apps.readNamespacedDeployment({ name, namespace }).catch((e: { code?: number }) => {
    if (e.code === 404) return undefined;
    throw e;
  });
}

async function warnings(clients: Clients, namespace: string, reason: string): Promise<string[]> {
  const events = await clients.core.listNamespacedEvent({ namespace });
  return events.items.filter((e) => e.reason === reason && e.involvedObject.kind === 'EntropyAppliance').map((e) => e.message ?? '');
}

/** Resolves once at least `count` Warning Events of this reason are recorded about appliances. */
async function warned(clients: Clients, namespace: string, reason: string, count: number): Promise<void> {
  await waitFor(async () => {
    const told = await warnings(clients, namespace, reason);
    return { ok: told.length >= count, state: told };
  }, 30_000, `${count} ${reason} Event(s)`);
}

const degradedFor = (reason: string) => (a: Awaited<ReturnType<ApplianceApi['get']>>) => condition(a, 'Degraded')?.reason === reason && condition(a, 'Degraded')?.observedGeneration === a.metadata.generation;

const networkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' };

local.test('a Service, PodDisruptionBudget and certificate Secret of the same names that are not the appliance\'s are left alone, reported, and survive its deletion', async ({ namespace, clients }) => {
  await clients.core.createNamespacedService({ namespace, body: { metadata: { name: 'demo', labels: { app: 'payments' } }, spec: { selector: { app: 'payments' }, ports: [{ port: 443, targetPort: 8443 }] } } });
  await clients.objects.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'demo', namespace }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'payments' } } } } as KubernetesObject);
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'demo-tls' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'theirs', 'tls.key': 'theirs' } } });
  const before = {
    service: await clients.core.readNamespacedService({ name: 'demo', namespace }),
    pdb: (await clients.objects.read({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'demo', namespace } })) as KubernetesObject & { spec: unknown },
    secret: await clients.core.readNamespacedSecret({ name: 'demo-tls', namespace }),
  };
  await keySecret(clients, namespace, 'keys', API_KEYS);
  await api.create(namespace, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' } });

  const a = await api.waitForStatus(namespace, 'demo', 'Degraded naming every conflict', (x) =>
    ['Service demo', 'PodDisruptionBudget demo', 'Secret demo-tls'].every((c) => condition(x, 'Degraded')?.message.includes(`${c} exists and is not this appliance's`)),
  );
  expect(condition(a, 'Degraded')).toMatchObject({ status: 'True', reason: 'ChildConflict' });
  // The foreign certificate Secret is not served: no Deployment mounts it.
  expect(await deployment(clients, namespace, 'demo')).toBeUndefined();
  await waitFor(async () => {
    const told = await warnings(clients, namespace, 'ChildConflict');
    return { ok: ['Service demo', 'PodDisruptionBudget demo', 'Secret demo-tls'].every((c) => told.some((m) => m.startsWith(c))), state: told };
  }, 30_000, 'a ChildConflict Event for each foreign object');

  // Unchanged: no owner reference, no field of the operator's, not one write.
  const service = await clients.core.readNamespacedService({ name: 'demo', namespace });
  expect(service.metadata?.resourceVersion).toBe(before.service.metadata?.resourceVersion);
  expect(service.metadata?.ownerReferences).toBeUndefined();
  expect(service.spec?.selector).toEqual({ app: 'payments' });
  const pdb = await clients.objects.read({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'demo', namespace } });
  expect(pdb.metadata?.resourceVersion).toBe(before.pdb.metadata?.resourceVersion);
  expect(pdb.metadata?.ownerReferences).toBeUndefined();
  const secret = await clients.core.readNamespacedSecret({ name: 'demo-tls', namespace });
  expect(secret.metadata?.resourceVersion).toBe(before.secret.metadata?.resourceVersion);
  // What it owns is made all the same.
  const policy = await clients.objects.read({ ...networkPolicy, metadata: { name: 'demo', namespace } });
  expect(policy.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'EntropyAppliance', name: 'demo', controller: true });

  // Deleting the appliance garbage-collects its own objects and nothing else.
  await api.delete(namespace, 'demo');
  await waitFor(async () => {
    const left = await clients.objects.read({ ...networkPolicy, metadata: { name: 'demo', namespace } }).then(() => true, () => false);
    return { ok: !left, state: left };
  }, 60_000, 'the appliance\'s own NetworkPolicy to be garbage-collected');
  expect((await clients.core.readNamespacedService({ name: 'demo', namespace })).metadata?.uid).toBe(before.service.metadata?.uid);
  expect((await clients.objects.read({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'demo', namespace } })).metadata?.uid).toBe(before.pdb.metadata?.uid);
  expect((await clients.core.readNamespacedSecret({ name: 'demo-tls', namespace })).metadata?.uid).toBe(before.secret.metadata?.uid);
}, 150_000);

local.test('an image outside the allowed repositories is refused: no Deployment is created, an existing one keeps its image', async ({ namespace, clients }) => {
  await keySecret(clients, namespace, 'keys', API_KEYS);
  await api.create(namespace, 'miner', { replicas: 1, apiKeySecretRef: { name: 'keys' }, image: 'evil.example/miner:1' });
  const refused = await api.waitForStatus(namespace, 'miner', 'Degraded ImageNotAllowed', degradedFor('ImageNotAllowed'));
  expect(condition(refused, 'Degraded')?.message).toMatch(/^spec.image repository "evil.example\/miner" is not one the operator may run \(allowed: r4, /);
  expect(condition(refused, 'Progressing')).toMatchObject({ status: 'False', reason: 'ImageNotAllowed' });
  expect(await deployment(clients, namespace, 'miner')).toBeUndefined();
  await warned(clients, namespace, 'ImageNotAllowed', 1);

  // An appliance already running: changing its image to a foreign one changes nothing in its Deployment.
  await api.create(namespace, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' } });
  const made = await waitFor(async () => {
    const d = await deployment(clients, namespace, 'demo');
    return { ok: d !== undefined, state: d };
  }, 60_000, 'the Deployment of the allowed appliance');
  const image = made?.spec?.template.spec?.containers[0]?.image;
  await api.patchSpec(namespace, 'demo', { image: 'evil.example/miner:1' });
  await api.waitForStatus(namespace, 'demo', 'Degraded ImageNotAllowed after the change', degradedFor('ImageNotAllowed'));
  const after = await deployment(clients, namespace, 'demo');
  expect(after?.spec?.template.spec?.containers[0]?.image).toBe(image);
  expect(after?.metadata?.generation).toBe(made?.metadata?.generation);
}, 150_000);

local.test('Secrets not labelled for r4 are never mounted: not as API keys, not as a TLS certificate', async ({ namespace, clients }) => {
  // Any Secret of the namespace, say a database password, named as the appliance's keys.
  await keySecret(clients, namespace, 'db-password', { app: 'db' });
  await api.create(namespace, 'keys', { replicas: 1, apiKeySecretRef: { name: 'db-password' } });
  const keys = await api.waitForStatus(namespace, 'keys', 'Degraded SecretNotAllowed', degradedFor('SecretNotAllowed'));
  expect(condition(keys, 'Degraded')?.message).toBe('Secret db-password (spec.apiKeySecretRef) is not labelled r4.dev/api-keys: "true"; it is not mounted');
  expect(await deployment(clients, namespace, 'keys')).toBeUndefined();

  // The same Secret as the certificate to serve.
  await keySecret(clients, namespace, 'keys', API_KEYS);
  await api.create(namespace, 'tls', { replicas: 1, apiKeySecretRef: { name: 'keys' }, tls: { secretName: 'db-password' } });
  const tls = await api.waitForStatus(namespace, 'tls', 'Degraded SecretNotAllowed', degradedFor('SecretNotAllowed'));
  expect(condition(tls, 'Degraded')?.message).toMatch(/^Secret db-password \(spec.tls.secretName\) is neither labelled r4.dev\/tls: "true" nor cert-manager's/);
  expect(await deployment(clients, namespace, 'tls')).toBeUndefined();
  await warned(clients, namespace, 'SecretNotAllowed', 2);

  // Its owner marks a Secret for r4 (cert-manager's annotation does for a certificate): then it is used.
  await clients.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'issued', annotations: { 'cert-manager.io/certificate-name': 'tls' } }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x', 'tls.key': 'x' } },
  });
  await api.patchSpec(namespace, 'tls', { tls: { secretName: 'issued' } });
  const made = await waitFor(async () => {
    const d = await deployment(clients, namespace, 'tls');
    return { ok: d !== undefined, state: d };
  }, 60_000, 'the Deployment once the certificate Secret is cert-manager\'s');
  expect(made?.spec?.template.spec?.volumes?.find((v) => v.name === 'tls')?.secret?.secretName).toBe('issued');
}, 150_000);

local.test('the NetworkPolicy admits the operator\'s namespace and spec.clients only, follows the spec and goes with the appliance', async ({ namespace, clients }) => {
  await keySecret(clients, namespace, 'keys', API_KEYS);
  const draw = { namespaceSelector: { matchLabels: { team: 'lottery' } }, podSelector: { matchLabels: { app: 'draw' } } };
  await api.create(namespace, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' }, clients: [draw] });
  type Policy = KubernetesObject & { spec: { podSelector: unknown; policyTypes: string[]; ingress: { from: unknown[]; ports: unknown[] }[] } };
  // As the API server has it (the client's model spells `from` as `_from`).
  const read = async () => JSON.parse(JSON.stringify(await clients.objects.read({ ...networkPolicy, metadata: { name: 'demo', namespace } })).replaceAll('"_from":', '"from":')) as Policy;
  const operatorPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': OPERATOR_NAMESPACE } } };
  const created = await waitFor(async () => {
    const p = await read().catch(() => undefined);
    return { ok: p !== undefined, state: p };
  }, 60_000, 'the NetworkPolicy');
  expect(created?.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'r4-operator', 'r4.dev/appliance': 'demo' });
  expect(created?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'EntropyAppliance', name: 'demo', controller: true });
  expect(created?.spec).toEqual({
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'r4-entropy', 'r4.dev/appliance': 'demo' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [operatorPeer, draw], ports: [{ protocol: 'TCP', port: 8080 }] }],
  });

  // The spec changes: the policy follows. No clients: the operator's namespace only.
  await api.patchSpec(namespace, 'demo', { clients: [] });
  await waitFor(async () => {
    const p = await read();
    return { ok: JSON.stringify(p.spec.ingress[0]?.from) === JSON.stringify([operatorPeer]), state: p.spec.ingress };
  }, 60_000, 'the NetworkPolicy to admit the operator only');

  await api.delete(namespace, 'demo');
  await waitFor(async () => {
    const left = await read().then(() => true, () => false);
    return { ok: !left, state: left };
  }, 60_000, 'the NetworkPolicy to be removed with the appliance');
}, 150_000);
