// The operator's scenarios (appliance-scenarios.ts) with the kubelet in podman mode: every entropy pod is
// a container of the image scripts/image/build.sh builds (built first, as the image tests do), run in the
// pod's network namespace with the pod's securityContext, and the kubelet reports the image's digest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { PodmanRuntime } from '../cluster/kubelet/podman-runtime.js';
import { waitFor } from '../support/wait-for.js';
import { buildImages, BUILD_TIMEOUT_MS, imageNames } from '../support/image-build.js';
import { podmanText } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { describeApplianceLifecycle } from './appliance-scenarios.js';
import { entropyImage } from './operator-harness.js';

let run: TestRun;
// Before the cluster starts (hooks run in the order they are declared): its kubelet needs the image.
beforeAll(async () => {
  run = TestRun.start();
  const built = await buildImages(run);
  process.stderr.write(`r4 podman kubelet test: images ready in ${built.seconds.toFixed(1)} s\n`);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await run?.close();
}, 120_000);

const local = useLocalCluster({ runtime: 'podman' });

describeApplianceLifecycle(local, 'EntropyAppliance on a real control plane, pods as podman containers');

interface ContainerInspect {
  Id: string;
  ImageDigest: string;
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[] | null; SecurityOpt: string[] | null; NetworkMode: string; Memory: number; NanoCpus: number };
  Mounts: { Destination: string; RW: boolean; Type: string }[];
}

describe('the kubelet in podman mode', () => {
  local.test('runs an appliance pod as a hardened container of the built image and reports its digest', async ({ namespace, cluster, clients }) => {
    const api = new ApplianceApi(clients);
    await api.applyExample('examples/appliance.yaml', namespace);
    await api.patchSpec(namespace, 'demo', { replicas: 1 });
    const a = await api.waitForStatus(namespace, 'demo', '1 attested pod', (x) => x.status?.attestedReplicas === 1 && x.status?.replicas === 1);
    // The digest podman gives the image build.sh built, read here independently of the kubelet.
    const digest = await podmanText(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', imageNames.service]);
    expect(digest).toMatch(/^localhost\/r4@sha256:[0-9a-f]{64}$/);
    expect(entropyImage(cluster).imageID).toBe(digest);
    expect(a.status?.pods?.[0]?.imageID).toBe(digest);

    const pod = await waitFor(async () => {
      const [current] = await api.pods(namespace, 'demo');
      return { ok: current?.status?.containerStatuses?.[0]?.ready === true, state: current };
    }, 30_000, 'the pod\'s container to be ready');
    const status = pod?.status?.containerStatuses?.[0];
    expect(status).toMatchObject({ imageID: digest, containerID: expect.stringMatching(/^podman:\/\/[0-9a-f]{64}$/), ready: true });
    const id = status?.containerID?.replace('podman://', '') ?? '';
    const [container] = JSON.parse(await podmanText(['container', 'inspect', id])) as ContainerInspect[];
    expect(cluster.runtime).toBeInstanceOf(PodmanRuntime);
    expect(container?.Config.Labels).toMatchObject({ 'dev.r4.cluster': cluster.dir, 'io.kubernetes.pod.name': pod?.metadata?.name });
    // The pod's securityContext and limits (cdk8s/entropy-workload.ts), as podman applied them.
    expect(container?.Config.User).toBe('65532:65532');
    expect(container?.HostConfig).toMatchObject({ ReadonlyRootfs: true, Memory: 256 * 2 ** 20, NanoCpus: 1e9 });
    expect(container?.HostConfig.CapDrop?.length).toBeGreaterThan(10);
    expect(container?.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(container?.HostConfig.NetworkMode).toMatch(/^ns:\/run\/netns\/r4-/);
    const mount = (destination: string) => container?.Mounts.find((m) => m.Destination === destination);
    expect(mount('/etc/r4/keys')).toMatchObject({ RW: false, Type: 'bind' });
    expect(mount('/tmp')).toMatchObject({ RW: true, Type: 'bind' });
  }, 180_000);

  local.test('a lying image (the genuine service, answering perfectly, under another digest) is cordoned as ImageDigestMismatch and never an endpoint', async ({ namespace, clients }) => {
    // Another image with the very same service and core, so every answer it gives is right and signed:
    // only the digest the runtime reports tells it apart.
    const context = mkdtempSync(join(tmpdir(), 'r4-liar-'));
    try {
      writeFileSync(join(context, 'Containerfile'), `FROM localhost/${imageNames.service}\nLABEL dev.r4.test=lying-image\n`);
      await podmanText(['build', '--pull=never', '--tag', 'localhost/r4-liar:test', '--file', join(context, 'Containerfile'), context], 300_000);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    const api = new ApplianceApi(clients);
    await api.applyExample('examples/appliance.yaml', namespace);
    await api.patchSpec(namespace, 'demo', { replicas: 1, attestation: { intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 2 } });
    await api.waitForStatus(namespace, 'demo', '1 attested pod', (x) => x.status?.attestedReplicas === 1);
    const liar = await api.swapImage(namespace, 'demo', 'localhost/r4-liar:test');
    const a = await api.waitForStatus(namespace, 'demo', 'the lying pod cordoned', (x) => x.status?.pods?.some((p) => p.name === liar?.metadata?.name && p.reason === 'ImageDigestMismatch') === true, 60_000);
    expect(a.status?.pods?.find((p) => p.name === liar?.metadata?.name)?.message).toMatch(/the kubelet reports image sha256:[0-9a-f]{64}; the appliance runs sha256:/);
    expect(await api.readyEndpoints(namespace, 'demo')).not.toContain(liar?.status?.podIP);
    expect(condition(a, 'Available')?.status).toBe('True');
  }, 480_000);
});
