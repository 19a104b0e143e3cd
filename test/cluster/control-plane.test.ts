// The control plane is real: it reports the pinned version, enforces RBAC, and goes away completely.
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binaryPath } from './binaries.js';
import { useLocalCluster } from './jest-cluster.js';
import { findLeftovers, nothingLeft } from './leftovers.js';
import { liveLocalProcessIds } from '../support/local-process.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const local = useLocalCluster();

local.test('kubectl version shows the pinned server version', async ({ cluster }) => {
  const { stdout } = await run(binaryPath('kubectl'), ['version', '-o', 'json'], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
  });
  const version = JSON.parse(stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
  expect(version.serverVersion.gitVersion).toBe(cluster.versions.kubernetes);
  expect(version.clientVersion.gitVersion).toBe(cluster.versions.kubernetes);
});

local.test('RBAC denies a service account what its Role does not grant', async ({ cluster, clients, namespace }) => {
  await clients.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'limited' } } });
  await clients.rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'read-configmaps' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] },
  });
  await clients.rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'limited-reads-configmaps' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'limited', namespace }],
    },
  });
  const tokenRequest = await clients.core.createNamespacedServiceAccountToken({
    name: 'limited',
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const limitedConfig = new KubeConfig();
  limitedConfig.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.kc.getCurrentCluster()!.server, caFile: cluster.kc.getCurrentCluster()!.caFile }],
    users: [{ name: 'limited', token: tokenRequest.status!.token }],
    contexts: [{ name: 'limited', cluster: 'local', user: 'limited' }],
    currentContext: 'limited',
  });
  const limited = limitedConfig.makeApiClient(CoreV1Api);

  // Allowed by the Role: proves the token authenticates, so a denial below is RBAC's doing.
  await waitFor(
    async () => {
      const list = await limited.listNamespacedConfigMap({ namespace });
      return { ok: true, state: list.items.length };
    },
    15_000,
    'the limited service account to list configmaps (RBAC caches take a moment)',
  );
  await expect(limited.listNamespacedPod({ namespace })).rejects.toMatchObject({ code: 403 });
  await expect(limited.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
  await expect(limited.listNamespacedConfigMap({ namespace: 'kube-system' })).rejects.toMatchObject({ code: 403 });
});

local.test('teardown leaves no process, namespace, link or directory behind', async ({ cluster, clients, namespace }) => {
  // A running pod first, so there is a pod network namespace and a container process to clean up.
  await clients.core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'echo' }, spec: { containers: [{ name: 'echo', image: 'echo-server' }] } },
  });
  const pod = await waitFor(
    async () => {
      const p: V1Pod = await clients.core.readNamespacedPod({ name: 'echo', namespace });
      return { ok: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, state: p };
    },
    60_000,
    'pod echo to become Ready',
  );
  const before = { dir: cluster.dir, slot: cluster.network.slot, pids: liveLocalProcessIds() };
  expect(before.pids.length).toBeGreaterThanOrEqual(5); // etcd, apiserver, controller manager, scheduler, the pod
  expect((await findLeftovers(before)).netns).toHaveLength(1);
  expect(pod.status?.podIP).toMatch(/^10\.244\./);

  await cluster.stop();

  expect(await findLeftovers(before)).toEqual(nothingLeft);
});
