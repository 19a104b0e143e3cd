// The chart on the real control plane, with every pod a podman container of the images
// scripts/image/build.sh builds: `helm install` runs the operator image as the chart's Deployment (two
// replicas, one leader), which reconciles the chart's appliance to attested pods of the service image;
// `helm test` reaches it through its Service; `helm upgrade` with a changed value rolls the entropy pods;
// `helm uninstall` removes the operator and the appliance and keeps the CRD. (The README's Kubernetes
// section, run by test/operator/readme-demo.test.ts, does the same with pods as local processes.)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, type V1Pod } from '@kubernetes/client-node';
import { isReady, useLocalCluster, type Clients } from '../cluster/jest-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { buildImages, BUILD_TIMEOUT_MS, imageNames } from '../support/image-build.js';
import { podmanText } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';
import { ApplianceApi, condition } from '../operator/appliance-api.js';
import { chartDir, helm, parseManifests } from './helm.js';

let home: string;
let images: TestRun;
// Before the cluster starts (hooks run in the order they are declared): its kubelet needs the images.
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'r4-helm-'));
  images = TestRun.start();
  await buildImages(images);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  rmSync(home, { recursive: true, force: true });
  await images?.close();
}, 120_000);

const local = useLocalCluster({ runtime: 'podman' });


async function operatorPods(clients: Clients, namespace: string): Promise<V1Pod[]> {
  const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=r4-operator' });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

local.test('helm install, test, upgrade and uninstall on the real control plane, pods as podman containers', async ({ cluster, clients, namespace }) => {
  const run = async (...args: string[]) => {
    const result = await helm([...args, '--namespace', namespace], { home, kubeconfig: cluster.kubeconfigPath, timeoutMs: 240_000 });
    if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
    return result.stdout;
  };
  const appliances = new ApplianceApi(clients);
  const values = ['--set', 'appliance.enabled=true', '--set', 'appliance.name=demo', '--set', `appliance.apiKeys.keys={${randomBytes(16).toString('hex')}}`];

  const installed = await run('install', 'r4', chartDir, ...values, '--wait', '--timeout', '3m');
  expect(installed).toContain('STATUS: deployed');
  expect(installed).toContain(`kubectl -n ${namespace} get ea demo -w`);
  // Helm created the CRD from the chart's crds/ before the templates, so the appliance is a resource of the
  // release from the first install on.
  const manifest = parseManifests(await run('get', 'manifest', 'r4'));
  expect(manifest.some((m) => m.kind === 'EntropyAppliance' && m.metadata.name === 'demo')).toBe(true);

  // Two operator pods, both Ready; exactly one holds the Lease.
  const pods = await waitFor(
    async () => {
      const found = await operatorPods(clients, namespace);
      return { ok: found.length === 2 && found.every(isReady), state: found.map((p) => ({ name: p.metadata?.name, conditions: p.status?.conditions })) };
    },
    90_000,
    'two Ready operator pods',
  );
  const lease = await waitFor(
    async () => {
      const l = await clients.coordination.readNamespacedLease({ name: 'r4-operator', namespace });
      return { ok: !!l.spec?.holderIdentity, state: l.spec };
    },
    60_000,
    'an operator pod to hold the r4-operator Lease',
  );
  expect(pods.map((p) => p.name)).toContain(lease?.holderIdentity);

  // The pods run the built images: the kubelet reports their digests.
  const digest = (image: string) => podmanText(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', image]);
  const operatorDigest = await digest(imageNames.operator);
  expect(operatorDigest).toMatch(/^localhost\/r4-operator@sha256:[0-9a-f]{64}$/);
  expect((await operatorPods(clients, namespace)).map((p) => p.status?.containerStatuses?.[0]?.imageID)).toEqual([operatorDigest, operatorDigest]);

  const attested = await appliances.waitForStatus(namespace, 'demo', '2 attested pods, Available', (a) => a.status?.attestedReplicas === 2 && condition(a, 'Available')?.status === 'True', 180_000);
  expect(attested.status?.pods?.every((p) => p.verdict === 'Attested')).toBe(true);
  const serviceDigest = await digest(imageNames.service);
  expect(attested.status?.pods?.map((p) => p.imageID)).toEqual([serviceDigest, serviceDigest]);
  const firstPods = (await appliances.pods(namespace, 'demo')).map((p) => p.metadata?.name).sort();

  const tested = await run('test', 'r4', '--timeout', '2m');
  expect(tested).toMatch(/TEST SUITE:\s+demo-test[\s\S]*Phase:\s+Succeeded/);

  // A changed value reaches the pods' template: the Deployment rolls, and the new pods are attested.
  await run('upgrade', 'r4', chartDir, ...values, '--set', 'appliance.spec.limits.maxBytesPerRequest=65536', '--wait', '--timeout', '3m');
  await appliances.waitForStatus(
    namespace,
    'demo',
    '2 attested pods, all new',
    (a) => a.status?.attestedReplicas === 2 && (a.status?.pods ?? []).every((p) => !firstPods.includes(p.name)),
    180_000,
  );
  const rolled = await appliances.pods(namespace, 'demo');
  const env = rolled[0]?.spec?.containers[0]?.env ?? [];
  expect(env.find((e) => e.name === 'MAX_BYTES_PER_REQUEST')?.value).toBe('65536');
  expect(await run('test', 'r4', '--timeout', '2m')).toMatch(/Phase:\s+Succeeded/);

  await run('uninstall', 'r4', '--wait', '--timeout', '2m');
  await waitFor(
    async () => {
      const [operators, deployments, left] = await Promise.all([
        operatorPods(clients, namespace),
        clients.apps.listNamespacedDeployment({ namespace }),
        appliances.get(namespace, 'demo').then(
          () => true,
          () => false,
        ),
      ]);
      return { ok: operators.length === 0 && deployments.items.length === 0 && !left, state: { operators: operators.map((p) => p.metadata?.name), deployments: deployments.items.map((d) => d.metadata?.name), applianceLeft: left } };
    },
    90_000,
    'the operator, the appliance and its Deployment to be gone',
  );
  // Helm never deletes what it installed from crds/: other releases' appliances may use it.
  await expect(clients.kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'entropyappliances.r4.dev' })).resolves.toBeDefined();
  await expect(clients.rbac.readClusterRole({ name: 'r4-operator' })).rejects.toMatchObject({ code: 404 });
}, 600_000);
