// The EntropyAppliance's user story on the real control plane, with real entropy service pods in real pod
// networks: from `kubectl apply` of an appliance to its deletion, attestation, cordoning and eviction. The
// scenarios run once per kubelet runtime: appliance-lifecycle.test.ts (pods as local processes) and
// appliance-lifecycle.podman.test.ts (pods as podman containers of the built image).
import type { V1Pod } from '@kubernetes/client-node';
import type { LocalCluster } from '../cluster/cluster.js';
import type { ClusterHandle } from '../cluster/jest-cluster.js';
import { podmanHangingSelftestCore } from '../cluster/kubelet/podman-fixtures.js';
import { pauseContainer, PodmanRuntime } from '../cluster/kubelet/podman-runtime.js';
import { hangingSelftestCore } from '../cluster/kubelet/programs.js';
import { httpsGet, type TlsTarget } from '../support/https.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition, exampleApiKey } from './appliance-api.js';
import { entropyImage, fixtureImage, installCrd, installOperatorAccess, startOperator, type OperatorProcess } from './operator-harness.js';

const attested = (n: number) => (a: Awaited<ReturnType<ApplianceApi['get']>>) =>
  a.status?.attestedReplicas === n && a.status?.replicas === n && condition(a, 'Available')?.status === 'True';
const podIPs = (pods: V1Pod[]) => pods.map((p) => p.status?.podIP ?? '').sort();

/** Events recorded about the appliance's pods with this reason. */
async function events(clients: { core: { listNamespacedEvent(p: { namespace: string }): Promise<{ items: { reason?: string; involvedObject: { kind?: string; name?: string } }[] }> } }, namespace: string, reason: string) {
  return (await clients.core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === reason);
}

/** The hash of the r4-selftest-hang fixture's core in this cluster's runtime. */
const hangingSelftestSha256 = (cluster: LocalCluster) =>
  (cluster.runtime instanceof PodmanRuntime ? podmanHangingSelftestCore() : hangingSelftestCore()).sha256;

/**
 * Makes a pod's container stop answering without exiting, as a hung process does; returns what thaws it
 * (if it is still there). A local process gets SIGSTOP (containerID local-process://<pid>); a podman
 * container is frozen whole.
 */
async function freeze(pod: V1Pod): Promise<() => Promise<void>> {
  const containerID = pod.status?.containerStatuses?.[0]?.containerID ?? '';
  if (containerID.startsWith('podman://')) return pauseContainer(containerID);
  const pid = Number(containerID.replace('local-process://', ''));
  expect(pid).toBeGreaterThan(1);
  process.kill(pid, 'SIGSTOP');
  return async () => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // gone: nothing to thaw
    }
  };
}

/** /random from a pod, over TLS verified as a client in the cluster verifies it. */
async function random(ip: string, key: string, tls: TlsTarget): Promise<{ status: number; body: string }> {
  const res = await httpsGet(`https://${ip}:8080/random?n=16&fmt=hex`, tls, { 'x-api-key': key });
  return { status: res.status, body: res.text };
}

/** The scenarios, on the file's cluster, with the r4 operator (a local process) installed as users do. */
export function describeApplianceLifecycle(local: ClusterHandle, title: string): void {
  let operator: OperatorProcess;
  let api: ApplianceApi;

  beforeAll(async () => {
    await installCrd(local.clients);
    const kubeconfig = await installOperatorAccess(local.cluster, local.clients);
    operator = await startOperator(local.cluster, kubeconfig, 'op-1');
    api = new ApplianceApi(local.clients);
  }, 120_000);
  afterAll(async () => {
    await operator?.stop();
  });

  describe(title, () => {
    local.test('the minimal example becomes attested pods, Ready and listed in the EndpointSlice', async ({ namespace, clients }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      const a = await api.waitForStatus(namespace, 'demo', '2 attested pods and Available', attested(2));
      const entropy = entropyImage(local.cluster);
      expect(a.status).toMatchObject({ observedGeneration: 1, expectedCoreSha256: entropy.coreSha256, imageDigest: entropy.digest, cordonedReplicas: 0 });
      expect(condition(a, 'Degraded')).toMatchObject({ status: 'False' });
      for (const pod of a.status?.pods ?? []) {
        // imageID: as the kubelet reports it (in podman mode, the built image's digest).
        expect(pod).toMatchObject({ verdict: 'Attested', integrity: 'verified', selftest: 'pass', mode: 'sealed', coreSha256: entropy.coreSha256, imageID: entropy.imageID });
        // The signed answers' key, bound to the container the kubelet reports.
        expect(pod).toMatchObject({ attestationKey: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/), containerID: expect.stringMatching(/:\/\//) });
      }
      // Children with owner references, applied by one field manager.
      const deployment = await clients.apps.readNamespacedDeployment({ name: 'demo', namespace });
      expect(deployment.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'EntropyAppliance', name: 'demo', controller: true });
      expect(deployment.metadata?.managedFields?.map((f) => f.manager)).toContain('r4-operator');
      await clients.core.readNamespacedService({ name: 'demo', namespace });
      await clients.objects.read({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'demo', namespace } });
      await clients.objects.read({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'demo', namespace } });
      // Ready through the gate (the kubelet recomputes Ready once the gate is True), in the EndpointSlice,
      // and serving bytes from the pod IP.
      const gate = (p: V1Pod, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;
      const pods = await waitFor(async () => {
        const current = await api.pods(namespace, 'demo');
        return { ok: current.length === 2 && current.every((p) => gate(p, 'r4.dev/attested') === 'True' && gate(p, 'Ready') === 'True'), state: current };
      }, 30_000, 'both pods attested and Ready');
      await waitFor(async () => {
        const ips = await api.readyEndpoints(namespace, 'demo');
        return { ok: JSON.stringify(ips) === JSON.stringify(podIPs(pods)), state: { ips, pods: podIPs(pods) } };
      }, 30_000, 'both pod IPs in the EndpointSlice');
      // HTTPS with the appliance's CA (ConfigMap demo-ca) and the Service's name; plain HTTP serves nothing.
      const podIP = pods[0]?.status?.podIP ?? '';
      const key = exampleApiKey('examples/appliance.yaml');
      const answer = await random(podIP, key, await api.trust(namespace, 'demo'));
      expect(answer).toEqual({ status: 200, body: expect.stringMatching(/^[0-9a-f]{32}$/) });
      const plain = await fetch(`http://${podIP}:8080/random?n=16&fmt=hex`, { headers: { 'x-api-key': key } }).then((r) => r.text(), (e: Error) => e.message);
      expect(plain).not.toMatch(/^[0-9a-f]{32}$/);
    }, 180_000);

    local.test('the full example is applied and attested', async ({ namespace }) => {
      await api.applyExample('examples/appliance-full.yaml', namespace);
      await api.patchSpec(namespace, 'lottery', { tolerations: [], nodeSelector: {} });
      // The patch rolls the Deployment: wait until the operator reports that rollout finished.
      const settled = (x: Awaited<ReturnType<ApplianceApi['get']>>) => {
        const progressing = condition(x, 'Progressing');
        return attested(3)(x) && progressing?.reason === 'Stable' && progressing.observedGeneration === x.metadata.generation;
      };
      const a = await api.waitForStatus(namespace, 'lottery', '3 attested pods, the rollout of the patch finished', settled, 150_000);
      expect(a.status?.pods).toHaveLength(3);
    }, 200_000);

    local.test('invalid specs are rejected by the API server with readable errors', async ({ namespace }) => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{}, /apiKeySecretRef: Required value/],
        [{ apiKeySecretRef: { name: 'k' }, replicas: 0 }, /spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1/],
        [{ apiKeySecretRef: { name: 'k' }, expectedCoreSha256: 'ABC' }, /spec.expectedCoreSha256 in body should match/],
        [{ apiKeySecretRef: { name: 'k' }, attestation: { intervalSeconds: 2, timeoutSeconds: 5 } }, /attestation.timeoutSeconds must not exceed attestation.intervalSeconds/],
        [{ apiKeySecretRef: { name: 'k' }, service: { type: 'ExternalName' } }, /spec.service.type: Unsupported value: "ExternalName"/],
        [{ apiKeySecretRef: { name: 'Not_A_Name' } }, /spec.apiKeySecretRef.name in body should match/],
        // Random bytes beyond the cluster travel encrypted or not at all.
        [{ apiKeySecretRef: { name: 'k' }, service: { type: 'NodePort' }, tls: { enabled: false } }, /NodePort or LoadBalancer .* needs TLS/],
        [{ apiKeySecretRef: { name: 'k' }, tls: { secretName: 'Bad_Name' } }, /spec.tls.secretName in body should match/],
      ];
      for (const [spec, message] of cases) {
        const error = await api.create(namespace, 'bad', spec).then(
          () => undefined,
          (e: unknown) => e as { code?: number; body?: string },
        );
        expect({ code: error?.code, error: String(error) }).toMatchObject({ code: 422 });
        expect((JSON.parse(String(error?.body)) as { message: string }).message).toMatch(message);
      }
    });

    local.test('a spec change rolls the pods; deleting the appliance removes everything', async ({ namespace, clients }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      await api.waitForStatus(namespace, 'demo', '2 attested pods', attested(2));
      const before = (await api.pods(namespace, 'demo')).map((p) => p.metadata?.name);
      await api.patchSpec(namespace, 'demo', { limits: { maxBytesPerRequest: 4096 } });
      const rolled = await api.waitForStatus(namespace, 'demo', 'new pods attested after the spec change', (a) =>
        attested(2)(a) && a.status?.observedGeneration === 2 && (a.status?.pods ?? []).every((p) => !before.includes(p.name)),
      150_000);
      expect(condition(rolled, 'Progressing')).toMatchObject({ status: 'False', reason: 'Stable' });
      const pod = (await api.pods(namespace, 'demo'))[0];
      expect(pod?.spec?.containers[0]?.env).toContainEqual({ name: 'MAX_BYTES_PER_REQUEST', value: '4096' });

      await api.delete(namespace, 'demo');
      await waitFor(async () => {
        const [deployments, services, pods] = await Promise.all([
          clients.apps.listNamespacedDeployment({ namespace }),
          clients.core.listNamespacedService({ namespace }),
          clients.core.listNamespacedPod({ namespace }),
        ]);
        const left = [...deployments.items, ...services.items, ...pods.items].map((o) => o.metadata?.name);
        return { ok: left.length === 0, state: left };
      }, 90_000, 'the children and pods of the deleted appliance to be garbage-collected');
    }, 300_000);

    local.test('a wrong expectedCoreSha256 cordons every pod and Available says why', async ({ namespace }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      await api.patchSpec(namespace, 'demo', { expectedCoreSha256: '0'.repeat(64) });
      // The new hash also rolls the pods (it is in their env); old and new pods alike must end up cordoned.
      const a = await api.waitForStatus(
        namespace,
        'demo',
        'every pod cordoned',
        (x) => (x.status?.replicas ?? 0) >= 2 && x.status?.cordonedReplicas === x.status?.replicas && x.status?.attestedReplicas === 0,
        150_000,
      );
      expect(condition(a, 'Available')).toMatchObject({ status: 'False', reason: 'NoAttestedPods' });
      expect(condition(a, 'Available')?.message).toContain('differs from the expected 000000000000');
      expect(condition(a, 'Degraded')).toMatchObject({ status: 'True', reason: 'PodsCordoned' });
      expect(await api.readyEndpoints(namespace, 'demo')).toEqual([]);
    }, 200_000);

    local.test('a pod running a tampered core is cordoned as HashMismatch, out of the EndpointSlice, with an Event', async ({ namespace, clients }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      await api.patchSpec(namespace, 'demo', { replicas: 1, attestation: { intervalSeconds: 5 } });
      await api.waitForStatus(namespace, 'demo', '1 attested pod', attested(1));
      const good = (await api.pods(namespace, 'demo'))[0];
      // Attested is not yet Ready: the kubelet's next readiness probe (every 10 s) may still be due.
      await waitFor(async () => {
        const ips = await api.readyEndpoints(namespace, 'demo');
        return { ok: JSON.stringify(ips) === JSON.stringify([good?.status?.podIP]), state: ips };
      }, 30_000, 'the attested pod in the EndpointSlice');
      // The new image's core differs by one byte; the rollout's new pod must never receive traffic.
      await api.patchSpec(namespace, 'demo', { image: fixtureImage(local.cluster, 'r4-tampered-core') });
      const a = await api.waitForStatus(namespace, 'demo', 'the new pod cordoned with HashMismatch', (x) =>
        (x.status?.pods ?? []).some((p) => p.verdict === 'Cordoned' && p.reason === 'HashMismatch'),
      );
      const cordoned = a.status?.pods?.find((p) => p.verdict === 'Cordoned');
      expect(cordoned).toMatchObject({ integrity: 'mismatch', mode: 'blocked', message: expect.stringContaining('differs from the expected') });
      expect(cordoned?.coreSha256).not.toBe(entropyImage(local.cluster).coreSha256);
      expect(condition(a, 'Degraded')).toMatchObject({ status: 'True', reason: 'PodsCordoned', message: expect.stringContaining('(HashMismatch)') });
      expect(condition(a, 'Available')?.status).toBe('True'); // the old, attested pod keeps serving
      const pod = (await api.pods(namespace, 'demo')).find((p) => p.metadata?.name === cordoned?.name) as V1Pod;
      expect(pod.metadata?.labels?.['r4.dev/cordoned']).toBe('true');
      expect(pod.status?.conditions?.find((c) => c.type === 'r4.dev/attested')).toMatchObject({ status: 'False', reason: 'HashMismatch' });
      expect(await api.readyEndpoints(namespace, 'demo')).toEqual([good?.status?.podIP]);
      await waitFor(async () => {
        const found = await events(clients, namespace, 'HashMismatch');
        return { ok: found.some((e) => e.involvedObject.name === cordoned?.name), state: found };
      }, 30_000, 'a HashMismatch Event about the cordoned pod');
      expect((await events(clients, namespace, 'PodCordoned')).length).toBeGreaterThan(0);
    }, 200_000);

    local.test('a pod whose self-test hangs under strict FIPS is blocked and cordoned', async ({ namespace }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      await api.patchSpec(namespace, 'demo', {
        replicas: 1,
        image: fixtureImage(local.cluster, 'r4-selftest-hang'),
        expectedCoreSha256: hangingSelftestSha256(local.cluster),
        strictFips: true,
        attestation: { intervalSeconds: 5 },
      });
      // The old pods now fail on their hash; the new pod's core has the expected hash but never finishes its self-test.
      const a = await api.waitForStatus(namespace, 'demo', 'the new pod cordoned for its self-test', (x) =>
        (x.status?.pods ?? []).some((p) => p.reason === 'SelfTestDegraded'),
      150_000);
      const entry = a.status?.pods?.find((p) => p.reason === 'SelfTestDegraded');
      expect(entry).toMatchObject({ verdict: 'Cordoned', integrity: 'verified', selftest: 'degraded', mode: 'blocked', coreSha256: hangingSelftestSha256(local.cluster) });
      expect(condition(a, 'Available')).toMatchObject({ status: 'False', reason: 'NoAttestedPods' });
      expect(await api.readyEndpoints(namespace, 'demo')).toEqual([]);
    }, 200_000);

    local.test('a pod that stops answering is cordoned after failureThreshold probes, and uncordoned when it answers again', async ({ namespace }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      await api.patchSpec(namespace, 'demo', { replicas: 1, attestation: { intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 2 } });
      await api.waitForStatus(namespace, 'demo', '1 attested pod', attested(1));
      const pod = (await api.pods(namespace, 'demo'))[0] as V1Pod;
      const thaw = await freeze(pod);
      try {
        const a = await api.waitForStatus(namespace, 'demo', 'the silent pod cordoned as Unreachable', (x) => x.status?.pods?.[0]?.reason === 'Unreachable');
        expect(a.status?.pods?.[0]).toMatchObject({ verdict: 'Cordoned', consecutiveFailures: expect.any(Number) });
        expect(a.status?.pods?.[0]?.consecutiveFailures).toBeGreaterThanOrEqual(2);
        expect(a.status?.pods?.[0]?.message).toContain('no answer to');
        expect(condition(a, 'Available')?.status).toBe('False');
      } finally {
        await thaw();
      }
      const recovered = await api.waitForStatus(namespace, 'demo', 'the pod attested again', attested(1));
      expect(recovered.status?.pods?.[0]).toMatchObject({ verdict: 'Attested', consecutiveFailures: 0 });
      await waitFor(async () => {
        const p = (await api.pods(namespace, 'demo'))[0];
        return { ok: p?.metadata?.labels?.['r4.dev/cordoned'] === undefined, state: p?.metadata?.labels };
      }, 30_000, 'the cordoned label to be removed');
    }, 200_000);

    local.test('with evictCordoned, a pod cordoned past its grace period is evicted and replaced by an attested one', async ({ namespace, clients }) => {
      await api.applyExample('examples/appliance.yaml', namespace);
      await api.patchSpec(namespace, 'demo', { attestation: { intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 2, evictCordoned: true } });
      await api.waitForStatus(namespace, 'demo', '2 attested pods', attested(2));
      const silent = (await api.pods(namespace, 'demo'))[0] as V1Pod;
      const thaw = await freeze(silent);
      try {
        // Grace: max(30 s, interval x (threshold + 1)); the PodDisruptionBudget (maxUnavailable 1) allows it.
        await waitFor(async () => {
          const found = await events(clients, namespace, 'Evicted');
          return { ok: found.some((e) => e.involvedObject.name === silent.metadata?.name), state: found };
        }, 120_000, 'an Evicted Event for the silent pod');
        const replaced = await api.waitForStatus(namespace, 'demo', 'two attested pods, the silent one replaced', (x) =>
          attested(2)(x) && !(x.status?.pods ?? []).some((p) => p.name === silent.metadata?.name),
        120_000);
        expect(replaced.status?.cordonedReplicas).toBe(0);
      } finally {
        await thaw();
      }
    }, 300_000);
  });
}
