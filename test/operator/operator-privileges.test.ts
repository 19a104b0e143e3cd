// The operator's own privileges, tried against the real API server as the operator's ServiceAccount: the
// chart's ValidatingAdmissionPolicy (rendered by helm) lets it change only objects labelled as its own,
// and on pods only its label and condition; in namespaced mode (the chart's Roles, rendered by helm) it
// can touch nothing in a namespace it does not watch, and the operator still does its work in those it does.
// Without the policy, everything denied below was allowed by RBAC alone.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { clientsFor, useLocalCluster, type Clients } from '../cluster/jest-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { installAdmissionPolicy, installCrd, installOperatorAccess, kubeConfigFrom, renderChart, serviceAccountKubeconfig, startOperator } from './operator-harness.js';

const local = useLocalCluster({ runtime: 'process' });

const MANAGED = { 'app.kubernetes.io/managed-by': 'r4-operator' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** The API server's answer to a request: allowed, or its code and message. */
async function outcome(request: Promise<unknown>): Promise<{ allowed: true } | { allowed: false; code: number; message: string }> {
  try {
    await request;
    return { allowed: true };
  } catch (error) {
    const e = error as { code?: number; body?: string };
    const message = (() => {
      try {
        return (JSON.parse(String(e.body)) as { message: string }).message;
      } catch {
        return String(error);
      }
    })();
    return { allowed: false, code: e.code ?? 0, message };
  }
}

const deniedByPolicy = (message: RegExp) => ({ allowed: false, code: 403, message: expect.stringMatching(new RegExp(`ValidatingAdmissionPolicy .*denied request: .*${message.source}`)) as unknown });
const deniedByRbac = { allowed: false, code: 403, message: expect.stringMatching(/is forbidden: User "system:serviceaccount:.*" cannot/) as unknown };

let operator: Clients;
beforeAll(async () => {
  await installCrd(local.clients);
  operator = clientsFor(kubeConfigFrom(await installOperatorAccess(local.cluster, local.clients)));
}, 120_000);

local.test('as the operator: objects not labelled as its own can be neither created, nor taken over, nor deleted', async ({ namespace, clients }) => {
  const deployment = (labels: Record<string, string>) => ({
    metadata: { name: 'miner', labels },
    spec: {
      selector: { matchLabels: { app: 'miner' } },
      template: { metadata: { labels: { app: 'miner' } }, spec: { containers: [{ name: 'miner', image: 'evil/miner:1' }] } },
    },
  });
  const notLabelled = deniedByPolicy(/only objects labelled app.kubernetes.io\/managed-by=r4-operator/);
  expect(await outcome(operator.apps.createNamespacedDeployment({ namespace, body: deployment({}) }))).toEqual(notLabelled);
  expect(await outcome(operator.core.createNamespacedService({ namespace, body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } }))).toEqual(notLabelled);
  expect(await outcome(operator.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'stolen' }, stringData: { a: 'b' } } }))).toEqual(notLabelled);
  expect(await outcome(operator.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'stolen', labels: { 'app.kubernetes.io/managed-by': 'Helm' } }, stringData: { a: 'b' } } }))).toEqual(notLabelled);
  // RBAC allows all of it: the same objects labelled as the operator's are created.
  expect(await outcome(operator.core.createNamespacedService({ namespace, body: { metadata: { name: 'own', labels: MANAGED }, spec: { ports: [{ port: 80 }] } } }))).toEqual({ allowed: true });
  expect(await outcome(operator.apps.createNamespacedDeployment({ namespace, body: deployment(MANAGED) }))).toEqual({ allowed: true });

  // Someone else's Service and ConfigMap: labelling them as its own (to take them over) is an update of an unlabelled object.
  await clients.core.createNamespacedService({ namespace, body: { metadata: { name: 'theirs' }, spec: { ports: [{ port: 443 }] } } });
  await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'theirs' }, data: { a: 'b' } } });
  expect(await outcome(operator.core.patchNamespacedService({ name: 'theirs', namespace, body: { metadata: { labels: MANAGED }, spec: { ports: [{ port: 443, targetPort: 9999 }] } } }, strategic))).toEqual(notLabelled);
  expect(await outcome(operator.core.patchNamespacedConfigMap({ name: 'theirs', namespace, body: { data: { a: 'changed' } } }, merge))).toEqual(notLabelled);
  // Nor may it strip its label from its own object to hand it over.
  expect(await outcome(operator.core.patchNamespacedService({ name: 'own', namespace, body: { metadata: { labels: { 'app.kubernetes.io/managed-by': null } } } }, merge))).toEqual(notLabelled);
  expect((await clients.core.readNamespacedConfigMap({ name: 'theirs', namespace })).data).toEqual({ a: 'b' });
}, 120_000);

local.test('as the operator: on a pod of an appliance only the r4.dev/cordoned label and the r4.dev/attested condition change', async ({ namespace, clients }) => {
  const labels = { ...MANAGED, 'r4.dev/appliance': 'demo', app: 'entropy' };
  await clients.core.createNamespacedPod({ namespace, body: { metadata: { name: 'entropy-0', labels }, spec: { containers: [{ name: 'entropy', image: 'echo-server' }] } } });
  await clients.core.createNamespacedPod({ namespace, body: { metadata: { name: 'bystander', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'echo-server' }] } } });
  await waitFor(async () => {
    const pod = await clients.core.readNamespacedPod({ name: 'entropy-0', namespace });
    return { ok: (pod.status?.conditions ?? []).length > 0, state: pod.status };
  }, 60_000, 'the kubelet to report the pod\'s status');
  const patchPod = (name: string, body: object) => outcome(operator.core.patchNamespacedPod({ name, namespace, body }, merge));
  const patchStatus = (name: string, conditions: object[]) => outcome(operator.core.patchNamespacedPodStatus({ name, namespace, body: { status: { conditions } } }, strategic));
  const attested = { type: 'r4.dev/attested', status: 'False', reason: 'HashMismatch', message: 'core sha256 differs' };

  // What the operator does (operator/cordon): allowed.
  expect(await patchPod('entropy-0', { metadata: { labels: { 'r4.dev/cordoned': 'true' } } })).toEqual({ allowed: true });
  expect(await patchPod('entropy-0', { metadata: { labels: { 'r4.dev/cordoned': null } } })).toEqual({ allowed: true });
  expect(await patchStatus('entropy-0', [attested])).toEqual({ allowed: true });

  // Anything else: denied.
  const label = deniedByPolicy(/may change only its label r4.dev\/cordoned/);
  expect(await patchPod('entropy-0', { metadata: { labels: { app: 'payments' } } })).toEqual(label);
  expect(await patchPod('entropy-0', { metadata: { labels: { 'r4.dev/cordoned': 'false' } } })).toEqual(label);
  expect(await patchPod('entropy-0', { metadata: { annotations: { note: 'x' } } })).toEqual(label);
  expect(await outcome(operator.core.patchNamespacedPod({ name: 'entropy-0', namespace, body: { spec: { containers: [{ name: 'entropy', image: 'evil/miner:1' }] } } }, strategic))).toEqual(label);
  expect(await patchPod('bystander', { metadata: { labels: { 'r4.dev/cordoned': 'true' } } })).toEqual(label);
  const status = deniedByPolicy(/may change only its condition r4.dev\/attested/);
  // A reason the kubelet never writes, so the patch changes the condition whether or not the pod is ready yet.
  expect(await patchStatus('entropy-0', [{ type: 'Ready', status: 'True', reason: 'SetByTheOperator' }])).toEqual(status);
  expect(await patchStatus('bystander', [attested])).toEqual(status);
  expect(await outcome(operator.core.deleteNamespacedPod({ name: 'bystander', namespace }))).toEqual(deniedByRbac);

  const pod = (await clients.core.readNamespacedPod({ name: 'entropy-0', namespace })) as V1Pod;
  expect(pod.metadata?.labels).toEqual(labels);
  expect(pod.spec?.containers[0]?.image).toBe('echo-server');
  expect(pod.status?.conditions?.find((c) => c.type === 'r4.dev/attested')).toMatchObject({ status: 'False', reason: 'HashMismatch' });
}, 120_000);

local.test('namespaced mode: the chart\'s Roles let the operator work in the namespaces it watches and touch nothing in another', async ({ namespace, clients }) => {
  const [watchedA, watchedB, other] = [`${namespace}-a`, `${namespace}-b`, `${namespace}-c`];
  for (const name of [watchedA, watchedB, other]) await clients.core.createNamespace({ body: { metadata: { name } } });
  // The chart's RBAC and admission policy for a release "r4n" in this namespace, exactly as helm renders them.
  const args = ['--set', `operator.watchNamespace=${watchedA}\\,${watchedB}`];
  const rendered = await renderChart(local.cluster, namespace, [...args, '--show-only', 'templates/rbac.yaml', '--show-only', 'templates/serviceaccount.yaml'], 'r4n');
  expect(rendered.filter((o) => o.kind?.startsWith('Cluster'))).toEqual([]);
  for (const object of rendered) await clients.objects.create(object);
  const kubeconfig = await serviceAccountKubeconfig(local.cluster, clients, namespace, 'r4n-operator');
  await installAdmissionPolicy(local.cluster, clients, namespace, kubeconfig, { release: 'r4n', probeNamespace: watchedA });
  const scoped = clientsFor(kubeConfigFrom(kubeconfig));

  const service = (name: string) => ({ metadata: { name, labels: MANAGED }, spec: { ports: [{ port: 80 }] } });
  expect(await outcome(scoped.core.createNamespacedService({ namespace: watchedA, body: service('own') }))).toEqual({ allowed: true });
  expect(await outcome(scoped.core.createNamespacedService({ namespace: watchedB, body: service('own') }))).toEqual({ allowed: true });
  // Another namespace: not one verb.
  await clients.core.createNamespacedSecret({ namespace: other, body: { metadata: { name: 'db', labels: { 'r4.dev/api-keys': 'true' } }, stringData: { password: 'x' } } });
  expect(await outcome(scoped.core.createNamespacedService({ namespace: other, body: service('own') }))).toEqual(deniedByRbac);
  expect(await outcome(scoped.core.readNamespacedSecret({ name: 'db', namespace: other }))).toEqual(deniedByRbac);
  expect(await outcome(scoped.core.listNamespacedPod({ namespace: other }))).toEqual(deniedByRbac);
  expect(await outcome(scoped.core.listPodForAllNamespaces({}))).toEqual(deniedByRbac);
  expect(await outcome(scoped.apps.listDeploymentForAllNamespaces({}))).toEqual(deniedByRbac);

  // The operator itself, with these rights only: an appliance in a watched namespace is reconciled and
  // attested; one in another namespace is never seen.
  const op = await startOperator(local.cluster, kubeconfig, 'op-namespaced', {
    WATCH_NAMESPACE: `${watchedA},${watchedB}`,
    POD_NAMESPACE: namespace,
    LEASE_NAMESPACE: namespace,
    LEASE_NAME: 'r4n-operator',
  });
  try {
    const api = new ApplianceApi(clients);
    for (const ns of [watchedB, other]) {
      await clients.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'keys', labels: { 'r4.dev/api-keys': 'true' } }, stringData: { 'api-keys': `${randomBytes(16).toString('hex')}\n` } } });
      await api.create(ns, 'demo', { replicas: 1, apiKeySecretRef: { name: 'keys' } });
    }
    const a = await api.waitForStatus(watchedB, 'demo', 'one attested pod', (x) => x.status?.attestedReplicas === 1 && condition(x, 'Available')?.status === 'True', 120_000);
    expect(condition(a, 'Degraded')?.status).toBe('False');
    // Its children, the policy among them, made under the Role of that namespace and the admission policy.
    await clients.objects.read({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'demo', namespace: watchedB } });
    expect((await api.get(other, 'demo')).status).toBeUndefined();
    expect((await clients.apps.listNamespacedDeployment({ namespace: other })).items).toEqual([]);
    expect(op.logs()).not.toMatch(/forbidden/i);
  } finally {
    await op.stop();
  }
}, 240_000);
