// The kubelet's podman mode as `R4_KUBELET_RUNTIME=podman npm run cluster -- up` runs it: a pod of the
// image `r4:local` runs as a container of the built r4 image; a crashing container is restarted with its
// exit code reported as in process mode; and when the cluster process is SIGKILLed, its teardown guard
// removes the containers (conmon and the container's processes are not its children, so the parent-death
// signal does not reach them).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { buildImages, BUILD_TIMEOUT_MS } from '../support/image-build.js';
import { TestRun } from '../support/test-run.js';
import { clusterContainers } from './kubelet/podman-runtime.js';
import { processesMentioning } from '../support/processes.js';
import { findLeftovers, nothingLeft } from './leftovers.js';
import { listBridges, parseAlias } from './pod-network.js';
import { compiledDir } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';

const cli = join(compiledDir, 'test', 'cluster', 'cli.js');

let run: TestRun;
beforeAll(async () => {
  run = TestRun.start();
  await buildImages(run);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await run?.close();
}, 120_000);

const pod = (name: string, container: Partial<V1Container>): V1Pod => ({
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 5,
    containers: [{ name: 'main', image: 'r4:local', env: [{ name: 'API_KEY', value: 'podman-kubelet-test-key-0123456789abcdef' }, { name: 'ALLOW_PLAIN_HTTP', value: '1' }], ...container }],
  },
});

test('podman mode: pods run as containers, crashes restart with their exit code, a SIGKILLed cluster leaves no container', async () => {
  const stateDir = join(tmpdir(), `r4-cluster-podmantest-${randomBytes(4).toString('hex')}`);
  const server = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, R4_CLUSTER_STATE_DIR: stateDir, R4_KUBELET_RUNTIME: 'podman' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(server, 'exit');
  try {
    // Done waiting when it is ready, or has died (then its output says why).
    await waitFor(async () => ({ ok: existsSync(join(stateDir, 'ready')) || server.exitCode !== null, state: output }), 180_000, 'the cluster process to report ready');
    expect({ ready: existsSync(join(stateDir, 'ready')), output }).toMatchObject({ ready: true });
    const kc = new KubeConfig();
    kc.loadFromFile(readFileSync(join(stateDir, 'ready'), 'utf8').trim());
    const core = kc.makeApiClient(CoreV1Api);
    await waitFor(async () => {
      const accounts = await core.listNamespacedServiceAccount({ namespace: 'default' });
      return { ok: accounts.items.length > 0, state: accounts.items.map((a) => a.metadata?.name) };
    }, 30_000, 'the default ServiceAccount');
    await core.createNamespacedPod({ namespace: 'default', body: pod('service', { readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 } }) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('crash', { command: ['sh', '-c', 'echo crashing; exit 3'] }) });

    const service = await waitFor(async () => {
      const p = await core.readNamespacedPod({ name: 'service', namespace: 'default' });
      return { ok: p.status?.containerStatuses?.[0]?.ready === true, state: p.status };
    }, 60_000, 'pod service to be ready');
    expect(service?.containerStatuses?.[0]).toMatchObject({
      containerID: expect.stringMatching(/^podman:\/\/[0-9a-f]{64}$/),
      imageID: expect.stringMatching(/^localhost\/r4@sha256:[0-9a-f]{64}$/),
    });
    const crash = await waitFor(async () => {
      const p = await core.readNamespacedPod({ name: 'crash', namespace: 'default' });
      return { ok: (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && p.status?.containerStatuses?.[0]?.lastState?.terminated !== undefined, state: p.status };
    }, 60_000, 'pod crash to be restarted');
    expect(crash?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error', containerID: expect.stringMatching(/^podman:\/\//) });
    expect(readFileSync(join(stateDir, 'logs', 'default_crash_main.log'), 'utf8')).toContain('stdout F crashing');

    const slot = Number((await listBridges()).find((b) => parseAlias(b.ifalias)?.dir === stateDir)?.ifname.replace(/^\D+/, ''));
    expect((await clusterContainers(stateDir)).length).toBeGreaterThan(0);
    const components = processesMentioning(stateDir).map((line) => Number(line.split(' ')[0]));
    server.kill('SIGKILL');
    await exited;
    await waitFor(async () => {
      const left = { containers: await clusterContainers(stateDir), ...(await findLeftovers({ dir: stateDir, slot, pids: [server.pid!, ...components] })) };
      return { ok: JSON.stringify(left) === JSON.stringify({ containers: [], ...nothingLeft }), state: left };
    }, 30_000, `every container and process of the cluster in ${stateDir} to be gone`);
  } finally {
    server.kill('SIGKILL');
  }
}, 300_000);
