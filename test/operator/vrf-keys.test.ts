// The appliance's VRF keys on the real control plane, with the operator running as its ServiceAccount
// under the chart's admission policy and real entropy service pods: the operator makes the keys with the
// core, keeps them in the Secret <name>-vrf-keys, mounts it into the pods and publishes the public half in
// status.vrf; every pod serves the same keys and the same beacon pulses; a rotation asked for by annotation
// appends one key, once; and a Secret of that name that is not the appliance's, or not a keyset, is never
// overwritten. On the code before, no Secret was made, status.vrf did not exist and the pods had no keys.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1Deployment, type V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/group.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { vrfKeysDocument } from '../../contracts/vrf-keys-document.js';
import { parseVrfKeyset, type VrfKeyset } from '../../contracts/vrf-keyset.js';
import { ecvrfPublicKey } from '../../vrf/ecvrf.js';
import { keyId } from '../../vrf/key-id.js';
import { mlDsa65FromSeed } from '../../vrf/node/mldsa-node.js';
import { parseTrust } from '../../vrf/trust.js';
import { verifyPulses } from '../../vrf/verify.js';
import { localCoreSha256 } from '../cluster/kubelet/programs.js';
import { useLocalCluster, type Clients } from '../cluster/jest-cluster.js';
import { httpsGet, type TlsTarget } from '../support/https.js';
import { repoRoot } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { installCrd, installOperatorAccess, startOperator, type OperatorProcess } from './operator-harness.js';

const local = useLocalCluster({ runtime: 'process' });
let operator: OperatorProcess;
let api: ApplianceApi;
let kubeconfig: string;

beforeAll(async () => {
  await installCrd(local.clients);
  kubeconfig = await installOperatorAccess(local.cluster, local.clients);
  operator = await startOperator(local.cluster, kubeconfig, 'op-vrf');
  api = new ApplianceApi(local.clients);
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

type Appliance = EntropyAppliance;
const keysOf = (a: Appliance) => a.status?.vrf?.keys ?? [];

async function apiKeySecret(clients: Clients, namespace: string): Promise<string> {
  const key = randomBytes(16).toString('hex');
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'keys', labels: { 'r4.dev/api-keys': 'true' } }, stringData: { 'api-keys': `${key}\n` } } });
  return key;
}

async function readSecret(clients: Clients, namespace: string, name: string): Promise<V1Secret> {
  return clients.core.readNamespacedSecret({ name, namespace });
}

function keysetOf(secret: V1Secret): VrfKeyset {
  const parsed = parseVrfKeyset(Buffer.from(secret.data?.['keyset.json'] ?? '', 'base64').toString('utf8'));
  if (!parsed.ok) throw new Error(`the Secret's keyset does not parse: ${parsed.reason}`);
  return parsed.keyset;
}

async function annotate(namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
  await local.clients.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** From a pod's address, over TLS verified as a client in the cluster verifies it. */
async function podGet(ip: string, path: string, apiKey: string, tls: TlsTarget): Promise<{ status: number; text: string }> {
  return httpsGet(`https://${ip}:8080${path}`, tls, { 'x-api-key': apiKey });
}

async function warnings(clients: Clients, namespace: string, reason: string): Promise<string[]> {
  const events = await clients.core.listNamespacedEvent({ namespace });
  return events.items.filter((e) => e.reason === reason && e.involvedObject.kind === 'EntropyAppliance').map((e) => e.message ?? '');
}

const vrfVolume = (d: V1Deployment | undefined) => d?.spec?.template.spec?.volumes?.find((v) => v.name === 'vrf-keys');

local.test('one key made by the core, kept in <name>-vrf-keys, published in status.vrf; both pods serve those keys and identical pulses; a rotation appends one key, once', async ({ namespace, clients }) => {
  const apiKey = await apiKeySecret(clients, namespace);
  await api.create(namespace, 'demo', { replicas: 2, apiKeySecretRef: { name: 'keys' }, vrf: { beacon: { periodSeconds: 2 } } });
  let a = await api.waitForStatus(namespace, 'demo', 'status.vrf lists one key', (x) => keysOf(x).length === 1);
  const uid = a.metadata.uid;

  // The Secret: the appliance's child, Opaque, labelled, one valid key made by this operator's core.
  const secret = await readSecret(clients, namespace, 'demo-vrf-keys');
  expect(secret.type).toBe('Opaque');
  expect(secret.metadata?.labels).toMatchObject({ 'r4.dev/appliance': 'demo', 'app.kubernetes.io/managed-by': 'r4-operator' });
  expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'EntropyAppliance', name: 'demo', uid, controller: true })]);
  const first = keysetOf(secret);
  expect(first.keys).toHaveLength(1);
  const [key] = first.keys as [VrfKeyset['keys'][number]];
  expect(key.core_sha256).toBe(localCoreSha256());
  // The public halves are those of the secrets beside them, and the id is theirs.
  const vrfPublicKey = ecvrfPublicKey(Buffer.from(key.vrf_secret_key, 'hex'));
  const mldsaPublicKey = mlDsa65FromSeed(Buffer.from(key.mldsa_seed, 'hex')).publicKey;
  expect(Buffer.from(vrfPublicKey).toString('hex')).toBe(key.vrf_public_key);
  expect(Buffer.from(mldsaPublicKey).toString('base64')).toBe(key.public_key);
  expect(keyId(vrfPublicKey, mldsaPublicKey)).toBe(key.key_id);
  expect(Math.abs(Date.parse(key.active_from) - Date.parse(String(a.metadata.creationTimestamp)))).toBeLessThan(60_000);

  // status.vrf: exactly the public document of that keyset, fingerprints included, and nothing secret.
  const genesis = new Date(String(a.metadata.creationTimestamp)).toISOString();
  const expected = vrfKeysDocument(first, { appliance: `${namespace}/demo`, periodSeconds: 2, genesis }, Date.now());
  expect(a.status?.vrf).toEqual(expected);
  expect(JSON.stringify(a.status)).not.toMatch(new RegExp(`${key.vrf_secret_key}|${key.mldsa_seed}`));
  expect(await warnings(clients, namespace, 'VrfKeysCreated')).toEqual([expect.stringContaining(`made VRF key ${key.key_id} with the core`)]);

  // Mounted read-only into the pods, which serve the same document at /vrf/keys.
  const deployment = await clients.apps.readNamespacedDeployment({ name: 'demo', namespace });
  expect(vrfVolume(deployment)).toMatchObject({ name: 'vrf-keys', secret: { secretName: 'demo-vrf-keys' } });
  expect(deployment.spec?.template.spec?.containers[0]?.volumeMounts).toContainEqual(expect.objectContaining({ name: 'vrf-keys', mountPath: '/etc/r4/vrf', readOnly: true }));
  a = await api.waitForStatus(namespace, 'demo', '2 attested pods', (x) => x.status?.attestedReplicas === 2 && x.status?.replicas === 2, 150_000);
  const ips = (a.status?.pods ?? []).map((p) => p.podIP ?? '');
  const tls = await api.trust(namespace, 'demo');
  for (const ip of ips) {
    const served = await podGet(ip, '/vrf/keys', apiKey, tls);
    expect(served.status).toBe(200);
    expect((JSON.parse(served.text) as { keys: unknown }).keys).toEqual(a.status?.vrf?.keys);
  }

  // Two pods, one chain: the same round is the same bytes from either, and it verifies against status.vrf.
  const trust = parseTrust(a);
  if (!trust.ok) throw new Error(trust.reason);
  const latest = await podGet(ips[0] as string, '/vrf/beacon/latest', apiKey, tls);
  expect(latest.status).toBe(200);
  const round = (JSON.parse(latest.text) as { round: number }).round;
  for (const r of [round - 1, round]) {
    const [fromA, fromB] = await Promise.all(ips.map((ip) => podGet(ip, `/vrf/beacon/${r}`, apiKey, tls)));
    expect(fromA?.status).toBe(200);
    expect(fromB?.text).toBe(fromA?.text);
  }
  const pair = await Promise.all([round - 1, round].map(async (r) => JSON.parse((await podGet(ips[1] as string, `/vrf/beacon/${r}`, apiKey, tls)).text) as unknown));
  const verdict = verifyPulses(pair, trust.trust);
  expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
  expect(verdict.ok).toBe(true);

  // Rotation: a new value of the annotation appends a key that takes over after the lead time (60 s here).
  const askedAt = Date.now();
  await annotate(namespace, 'demo', { 'r4.dev/rotate-vrf-keys': 'r1' });
  a = await api.waitForStatus(namespace, 'demo', 'status.vrf lists the current key and the next', (x) => keysOf(x).map((k) => k.status).join() === 'current,next');
  const rotated = await readSecret(clients, namespace, 'demo-vrf-keys');
  expect(rotated.metadata?.annotations?.['r4.dev/rotated-for']).toBe('r1');
  const second = keysetOf(rotated);
  expect(second.keys[0]).toEqual(key);
  const next = second.keys[1] as VrfKeyset['keys'][number];
  expect(next.key_id).not.toBe(key.key_id);
  expect(Date.parse(next.active_from) - askedAt).toBeGreaterThanOrEqual(60_000 - 1_000);
  expect(Date.parse(next.active_from) - askedAt).toBeLessThan(90_000);
  expect(keysOf(a).map((k) => k.key_id)).toEqual([key.key_id, next.key_id]);
  expect(await warnings(clients, namespace, 'VrfKeysRotated')).toEqual([expect.stringContaining(`made VRF key ${next.key_id} with the core for rotation "r1"`)]);

  // The pods hold the next key before it is used: the mounted Secret changed under them, without a restart.
  for (const ip of ips) {
    await waitFor(async () => {
      const served = JSON.parse((await podGet(ip, '/vrf/keys', apiKey, tls)).text) as { keys?: { key_id: string }[] };
      const ids = (served.keys ?? []).map((k) => k.key_id);
      return { ok: ids.join() === [key.key_id, next.key_id].join(), state: served };
    }, 30_000, `pod ${ip} to serve both keys`);
  }
  expect((await api.get(namespace, 'demo')).status?.pods?.map((p) => p.podIP).sort()).toEqual([...ips].sort());

  // The same value again (and any other change to the appliance) adds nothing.
  await annotate(namespace, 'demo', { 'r4.dev/rotate-vrf-keys': 'r1', 'example.com/touched': 'yes' });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(keysetOf(await readSecret(clients, namespace, 'demo-vrf-keys')).keys).toEqual(second.keys);

  // At active_from the status flips by itself: the old key retired (still listed), the new one current.
  a = await api.waitForStatus(namespace, 'demo', 'the old key retired, the new one current', (x) => keysOf(x).map((k) => k.status).join() === 'retired,current', 120_000);
  expect(keysOf(a).map((k) => k.key_id)).toEqual([key.key_id, next.key_id]);
  expect(condition(a, 'Degraded')?.status).toBe('False');

  // No secret half of either key in the operator's log (at debug level) or in any Event.
  const events = JSON.stringify((await clients.core.listNamespacedEvent({ namespace })).items.map((e) => e.message));
  for (const secretHex of [key.vrf_secret_key, key.mldsa_seed, next.vrf_secret_key, next.mldsa_seed]) {
    expect(operator.logs()).not.toContain(secretHex);
    expect(events).not.toContain(secretHex);
  }
}, 420_000);

local.test('a Secret of that name that is not the appliance\'s is never overwritten or mounted; the appliance says why and serves no keys', async ({ namespace, clients }) => {
  await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'demo-vrf-keys' }, stringData: { 'keyset.json': 'theirs' } } });
  const before = await readSecret(clients, namespace, 'demo-vrf-keys');
  await apiKeySecret(clients, namespace);
  await api.create(namespace, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' } });

  const a = await api.waitForStatus(namespace, 'demo', 'Degraded naming the foreign Secret', (x) =>
    (condition(x, 'Degraded')?.message ?? '').includes("Secret demo-vrf-keys exists and is not this appliance's"),
  );
  expect(condition(a, 'Degraded')).toMatchObject({ status: 'True', reason: 'ChildConflict', message: expect.stringContaining('/vrf answers 503') });
  expect(a.status?.vrf).toBeUndefined();
  await waitFor(async () => {
    const told = await warnings(clients, namespace, 'ChildConflict');
    return { ok: told.some((m) => m.startsWith('Secret demo-vrf-keys')), state: told };
  }, 30_000, 'a ChildConflict Event for the Secret');
  // The pods run (for /random) without it.
  const deployment = await waitFor(async () => {
    const d = await clients.apps.readNamespacedDeployment({ name: 'demo', namespace }).catch(() => undefined);
    return { ok: d !== undefined, state: d };
  }, 30_000, 'the Deployment');
  expect(vrfVolume(deployment)).toBeUndefined();
  // A rotation asked for changes nothing either.
  await annotate(namespace, 'demo', { 'r4.dev/rotate-vrf-keys': 'r1' });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const after = await readSecret(clients, namespace, 'demo-vrf-keys');
  expect(after.data).toEqual(before.data);
  expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  expect(after.metadata?.ownerReferences).toBeUndefined();
  expect(operator.logs()).not.toContain('theirs');
}, 180_000);

local.test('its own Secret holding no valid keyset is left as it is, not regenerated over, and not mounted', async ({ namespace, clients }) => {
  await apiKeySecret(clients, namespace);
  await api.create(namespace, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' } });
  await api.waitForStatus(namespace, 'demo', 'status.vrf lists one key', (x) => keysOf(x).length === 1);
  // Someone breaks the keyset (the Secret stays the appliance's).
  await clients.core.patchNamespacedSecret(
    { name: 'demo-vrf-keys', namespace, body: { data: { 'keyset.json': Buffer.from('{"version":1,"keys":[]}').toString('base64') } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const broken = await readSecret(clients, namespace, 'demo-vrf-keys');
  await annotate(namespace, 'demo', { 'r4.dev/rotate-vrf-keys': 'r1' });
  const a = await api.waitForStatus(namespace, 'demo', 'Degraded: VrfKeysInvalid', (x) => condition(x, 'Degraded')?.reason === 'VrfKeysInvalid', 90_000);
  expect(condition(a, 'Degraded')?.message).toMatch(/Secret demo-vrf-keys holds no valid VRF keyset \(the VRF keyset has no keys\): left as it is, never regenerated over/);
  expect(a.status?.vrf).toBeUndefined();
  await waitFor(async () => {
    const d = await clients.apps.readNamespacedDeployment({ name: 'demo', namespace });
    return { ok: vrfVolume(d) === undefined, state: d.spec?.template.spec?.volumes };
  }, 30_000, 'the Deployment to stop mounting the broken Secret');
  expect((await readSecret(clients, namespace, 'demo-vrf-keys')).data).toEqual(broken.data);
}, 180_000);

local.test('an operator whose core is not its manifest\'s makes no key (no other generator stands in); with its own core back, the key is made and mounted', async ({ namespace, clients }) => {
  // The operator's core with one byte changed: the manifest beside it no longer vouches for it.
  const tampered = join(local.cluster.dir, 'tampered-re4_dump');
  const bytes = readFileSync(join(repoRoot, 'native/build/re4_dump'));
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  writeFileSync(tampered, bytes, { mode: 0o755 });
  await operator.stop();
  operator = await startOperator(local.cluster, kubeconfig, 'op-vrf-tampered', { R4_CORE_PATH: tampered });

  await apiKeySecret(clients, namespace);
  await api.create(namespace, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' } });
  const a = await api.waitForStatus(namespace, 'demo', 'Degraded: VrfKeygenFailed', (x) => condition(x, 'Degraded')?.reason === 'VrfKeygenFailed');
  expect(condition(a, 'Degraded')?.message).toMatch(/no VRF keys: making them failed \(the core .*tampered-re4_dump has sha256 [0-9a-f]{64}, its manifest says [0-9a-f]{64}: refused\)/);
  expect(a.status?.vrf).toBeUndefined();
  await expect(readSecret(clients, namespace, 'demo-vrf-keys')).rejects.toMatchObject({ code: 404 });
  // The pods run (for /random), without keys to mount.
  const deployment = await waitFor(async () => {
    const d = await clients.apps.readNamespacedDeployment({ name: 'demo', namespace }).catch(() => undefined);
    return { ok: d !== undefined, state: d };
  }, 30_000, 'the Deployment');
  expect(vrfVolume(deployment)).toBeUndefined();
  expect(await warnings(clients, namespace, 'VrfKeygenFailed')).toHaveLength(1);

  await operator.stop();
  operator = await startOperator(local.cluster, kubeconfig, 'op-vrf-2');
  const fixed = await api.waitForStatus(namespace, 'demo', 'status.vrf lists one key, nothing Degraded', (x) => keysOf(x).length === 1 && condition(x, 'Degraded')?.status === 'False');
  expect(keysetOf(await readSecret(clients, namespace, 'demo-vrf-keys')).keys.map((k) => k.key_id)).toEqual(keysOf(fixed).map((k) => k.key_id));
  await waitFor(async () => {
    const d = await clients.apps.readNamespacedDeployment({ name: 'demo', namespace });
    return { ok: vrfVolume(d) !== undefined, state: d.spec?.template.spec?.volumes };
  }, 30_000, 'the Deployment to mount the keys');
}, 240_000);
