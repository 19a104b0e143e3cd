// The operator's scenarios (appliance-scenarios.ts) with the kubelet in podman mode: every entropy pod is
// a container of the image scripts/image/build.sh builds (built first, as the image tests do), run in the
// pod's network namespace with the pod's securityContext, and the kubelet reports the image's digest.
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { PodmanRuntime } from '../cluster/kubelet/podman-runtime.js';
import { waitFor } from '../support/wait-for.js';
import { buildImages, BUILD_TIMEOUT_MS, imageNames } from '../support/image-build.js';
import { podmanText } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';
import { ApplianceApi } from './appliance-api.js';
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
});
