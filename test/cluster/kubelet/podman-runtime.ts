// The podman runtime: each container of a pod is a real container of a local podman image, run with
// scripts/image/podman.sh (r4's own storage and settings) inside the pod's network namespace
// (`--network ns:/run/netns/<netns>`), its volumes bind-mounted at their mountPaths and its
// securityContext honoured (podman-run-args.ts).
//
// Which image runs, for an image reference of a pod:
//   1. a fixture variant of the service image (r4-tampered-core, r4-selftest-hang): the service image
//      with fixture files mounted over its core (podman-fixtures.ts). First, because a fixture is pinned
//      with the service image's digest, which podman would otherwise resolve to the plain service image;
//   2. a local podman image of that exact reference;
//   3. any other tag of the service image's name (`r4:test`, `r4:local`): the service image, as in the
//      process runtime `r4:<any tag>` runs this checkout's service;
//   4. otherwise the process runtime's local program, if there is one (echo-server): that container runs
//      as a local process, exactly as in process mode;
//   5. otherwise ErrImagePull.
//
// Status: containerID `podman://<container id>`; imageID as CRI runtimes report it, the image's repo
// digest `<repository>@sha256:<manifest digest>` (`localhost/r4@sha256:...`), or `sha256:<image id>` for an
// image without one. Each container carries the label dev.r4.cluster=<cluster dir>; a guard process removes
// every container with that label if the harness dies without tearing the cluster down.
import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo-paths.js';
import { processRuntime, type ContainerRuntime, type ContainerStart, type RunnableImage, type RunningContainer, type StartFailure, type ContainerExit } from './container-runtime.js';
import { fixtureMounts, IMAGE_CORE_PATH, isServiceImageFixture, type ServiceImageFixture } from './podman-fixtures.js';
import { containerName, podmanRunPlan, type ExtraMount } from './podman-run-args.js';
import { kubernetesServiceAddress } from '../control-plane.js';
import { netnsEtcDir } from '../pod-network.js';
import { imageName } from './programs.js';
import { startGuard } from '../../support/guard.js';
import { imageNames } from '../../support/image-build.js';
import { podmanResult, podmanScript, podmanText } from '../../support/podman.js';

export const CLUSTER_LABEL = 'dev.r4.cluster';
/** The label (key=value) that every container of the cluster in `clusterDir` carries. */
const clusterLabel = (clusterDir: string) => `${CLUSTER_LABEL}=${clusterDir}`;

/** A local podman image, as the runtime uses it. */
export interface LocalImage {
  /** The reference it was found by. */
  reference: string;
  /** Podman's image ID (64 hex digits). */
  id: string;
  /** What containerStatuses[].imageID reports for it. */
  imageID: string;
  /** The user its config runs as ('' for root). */
  user: string;
  labels: Record<string, string>;
}

interface ImageInspect {
  Id: string;
  RepoDigests?: string[] | null;
  Labels?: Record<string, string> | null;
  Config?: { User?: string };
}

/** The image, or undefined if podman has none by that reference. */
export async function inspectLocalImage(reference: string): Promise<LocalImage | undefined> {
  const result = await podmanResult(['image', 'inspect', reference]);
  if (result.code !== 0) return undefined;
  const [image] = JSON.parse(result.stdout.toString('utf8')) as ImageInspect[];
  if (!image) return undefined;
  return {
    reference,
    id: image.Id,
    imageID: image.RepoDigests?.[0] ?? `sha256:${image.Id}`,
    user: image.Config?.User ?? '',
    labels: image.Labels ?? {},
  };
}

// Runs with: $1 podman.sh, $2 the label of the cluster's containers. Same pattern as teardown-guard.ts.
const guardScript = `
trap '' INT TERM HUP
read -r word || true
[ "$word" = disarm ] && exit 0
ids="$(sh "$1" ps -aq --filter "label=$2")"
[ -z "$ids" ] || sh "$1" rm --force --time 0 $ids >/dev/null 2>&1
`;

/** Containers of a cluster still known to podman (running or not), for leftover checks. */
export async function clusterContainers(clusterDir: string): Promise<string[]> {
  const out = await podmanText(['ps', '--all', '--format', '{{.ID}} {{.Names}} {{.State}}', '--filter', `label=${clusterLabel(clusterDir)}`]);
  return out.split('\n').filter(Boolean);
}

const lastLines = (text: string, n = 5) => text.trim().split('\n').slice(-n).join('\n');

export interface PodmanRuntimeOptions {
  /** The cluster's directory: the containers' label, and the home of fixture files. */
  clusterDir: string;
  /** The service image (`r4`); default the tag scripts/image/build.sh gives (`imageNames.service`). */
  serviceImage?: string;
  log(line: string): void;
}

export class PodmanRuntime implements ContainerRuntime {
  readonly kind = 'podman' as const;
  private readonly label: string;
  private readonly fixtures = new Map<ServiceImageFixture, Promise<ExtraMount[]>>();
  private closed = false;

  private constructor(
    private readonly options: PodmanRuntimeOptions,
    readonly serviceImage: LocalImage,
    private readonly guard: { disarm(): void },
  ) {
    this.label = clusterLabel(options.clusterDir);
  }

  /** Fails at once, saying how to build it, if the service image is not in r4's podman storage. */
  static async create(options: PodmanRuntimeOptions): Promise<PodmanRuntime> {
    const reference = options.serviceImage ?? imageNames.service;
    const serviceImage = await inspectLocalImage(reference);
    if (!serviceImage) {
      throw new Error(`the podman kubelet runtime needs the image ${reference}, which r4's podman storage does not have; build it with: sudo sh scripts/image/build.sh`);
    }
    const guard = startGuard('r4-podman-guard', guardScript, [podmanScript, clusterLabel(options.clusterDir)], repoRoot);
    return new PodmanRuntime(options, serviceImage, { disarm: () => guard.end('disarm') });
  }

  async image(reference: string): Promise<RunnableImage | { error: string }> {
    const name = imageName(reference);
    if (isServiceImageFixture(name)) return this.runnable(this.serviceImage, () => this.fixtureMounts(name));
    const exact = await inspectLocalImage(reference);
    if (exact) return this.runnable(exact, async () => []);
    if (name === imageName(this.serviceImage.reference)) return this.runnable(this.serviceImage, async () => []);
    const local = await processRuntime.image(reference);
    if ('error' in local) return { error: `podman has no image "${reference}", and ${local.error}` };
    this.options.log(`image ${reference}: no podman image; its container runs as a local process (process runtime)`);
    return local;
  }

  /** The fixture's files, made once per cluster from the service image's own core. */
  private fixtureMounts(fixture: ServiceImageFixture): Promise<ExtraMount[]> {
    let mounts = this.fixtures.get(fixture);
    if (!mounts) {
      mounts = (async () => {
        const core = await podmanResult(['run', '--rm', '--network=none', `--label=${this.label}`, '--entrypoint=cat', this.serviceImage.id, IMAGE_CORE_PATH]);
        if (core.code !== 0) throw new Error(`could not read ${IMAGE_CORE_PATH} from ${this.serviceImage.reference}: ${lastLines(core.stderr)}`);
        return fixtureMounts(fixture, core.stdout, join(this.options.clusterDir, 'podman-fixtures'));
      })();
      this.fixtures.set(fixture, mounts);
      mounts.catch(() => this.fixtures.delete(fixture));
    }
    return mounts;
  }

  private runnable(image: LocalImage, extraMounts: () => Promise<ExtraMount[]>): RunnableImage {
    return { start: (request) => this.start(image, request, extraMounts) };
  }

  private async start(image: LocalImage, request: ContainerStart, extraMounts: () => Promise<ExtraMount[]>): Promise<RunningContainer | StartFailure> {
    if (this.closed) return { reason: 'CreateContainerError', message: 'the cluster is stopping' };
    const { pod, container, podDir } = request;
    const meta = pod.metadata ?? {};
    const name = containerName(pod, container, request.attempt);
    const envFile = join(podDir, `${container.name}-${request.attempt}.env`);
    let mounts: ExtraMount[];
    try {
      mounts = await extraMounts();
    } catch (error) {
      return { reason: 'CreateContainerError', message: (error as Error).message };
    }
    // What `ip netns exec` would mount over /etc (the pod's hosts file, from the service network).
    const etcDir = join(netnsEtcDir, request.netns);
    const etcFiles = await readdir(etcDir).catch(() => [] as string[]);
    mounts = [...mounts, ...etcFiles.map((file) => ({ source: join(etcDir, file), destination: `/etc/${file}`, readOnly: true }))];
    const plan = podmanRunPlan({
      pod,
      container,
      // The kubelet gives every container the `kubernetes` Service's address, for in-cluster clients.
      env: { KUBERNETES_SERVICE_HOST: kubernetesServiceAddress, KUBERNETES_SERVICE_PORT: '443', KUBERNETES_SERVICE_PORT_HTTPS: '443', ...request.env },
      volumeDirs: request.volumeDirs,
      image: image.id,
      imageUser: image.user,
      name,
      labels: {
        [CLUSTER_LABEL]: this.options.clusterDir,
        'io.kubernetes.pod.name': meta.name ?? '',
        'io.kubernetes.pod.namespace': meta.namespace ?? '',
        'io.kubernetes.pod.uid': meta.uid ?? '',
        'io.kubernetes.container.name': container.name,
      },
      netns: request.netns,
      logFile: request.logFile,
      envFile,
      extraMounts: mounts,
    });
    if ('error' in plan) return { reason: 'CreateContainerConfigError', message: plan.error };
    await mkdir(podDir, { recursive: true, mode: 0o700 });
    // Only root reads the env file (it may hold Secret values); podman copies it into the container's config.
    await writeFile(envFile, plan.envFileContent, { mode: 0o600 });
    for (const dir of plan.writableDirs) await chmod(dir, 0o777);
    for (const { dir, uid, gid } of plan.ownedDirs) {
      for (const entry of await readdir(dir, { recursive: true })) await chown(join(dir, entry), uid, gid);
    }
    const run = await podmanResult(plan.args);
    await rm(envFile, { force: true });
    if (run.code !== 0) {
      await podmanResult(['rm', '--force', '--ignore', name]);
      // 126 and 127: the container was made but its command could not run; else podman could not make it.
      return { reason: run.code === 126 || run.code === 127 ? 'RunContainerError' : 'CreateContainerError', message: `podman run: ${lastLines(run.stderr)}` };
    }
    const id = run.stdout.toString('utf8').trim().split('\n').pop() ?? name;
    const exited = this.exitOf(id);
    return {
      containerID: `podman://${id}`,
      imageID: image.imageID,
      startedAt: new Date(),
      exited,
      stop: (graceMs) => this.stopContainer(id, graceMs, exited),
    };
  }

  /** Waits for the container's end (`podman wait`), reads how it ended, then removes it. */
  private async exitOf(id: string): Promise<ContainerExit> {
    // setpriv: the waiting podman dies with the harness; the guard removes the container itself.
    const waiter = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'sh', podmanScript, 'wait', id], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    waiter.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    waiter.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await new Promise((resolve) => waiter.on('close', resolve));
    const state = await podmanResult(['inspect', '--type=container', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', id]);
    await podmanResult(['rm', '--force', '--ignore', id]);
    const [code, oomKilled] = state.stdout.toString('utf8').trim().split(' ');
    if (state.code !== 0 || code === undefined || !/^-?\d+$/.test(code)) {
      // Removed behind the kubelet's back (podman rm -f): it was killed.
      this.options.log(`container ${id.slice(0, 12)} vanished (podman wait: ${lastLines(output, 2)}); reporting it as killed`);
      return { exitCode: 137 };
    }
    return { exitCode: Number(code), ...(oomKilled === 'true' ? { reason: 'OOMKilled' } : {}) };
  }

  /** The image's stop signal (SIGTERM), SIGKILL after the grace period (whole seconds, as the kubelet's). */
  private async stopContainer(id: string, graceMs: number, exited: Promise<ContainerExit>): Promise<void> {
    const seconds = Math.ceil(graceMs / 1000);
    const stopped = await podmanResult(['stop', `--time=${seconds}`, '--ignore', id], graceMs + 60_000);
    if (stopped.code !== 0) {
      this.options.log(`podman stop ${id.slice(0, 12)} failed (${lastLines(stopped.stderr, 2)}); removing it by force`);
      await podmanResult(['rm', '--force', '--time=0', '--ignore', id]);
    }
    await exited;
  }

  /** Removes every container of the cluster that is left (none, after a clean stop) and dismisses the guard. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      const ids = (await podmanText(['ps', '--all', '--quiet', '--filter', `label=${this.label}`])).split('\n').filter(Boolean);
      if (ids.length > 0) {
        this.options.log(`removing ${ids.length} container(s) still there at cluster stop`);
        await podmanText(['rm', '--force', '--time=0', ...ids]);
      }
    } catch (error) {
      // The guard, left armed, tries again once this process is gone.
      this.options.log(`could not remove the cluster's containers: ${(error as Error).message}`);
      return;
    }
    this.guard.disarm();
  }
}

/**
 * Sends a pod's container into the freezer (`podman pause`), for tests of silent pods; returns what thaws
 * it, which does nothing if the container is gone by then (evicted, deleted).
 */
export async function pauseContainer(containerID: string): Promise<() => Promise<void>> {
  const id = containerID.replace(/^podman:\/\//, '');
  await podmanText(['pause', id]);
  return async () => {
    const thawed = await podmanResult(['unpause', id]);
    if (thawed.code !== 0 && (await podmanResult(['container', 'exists', id])).code === 0) {
      throw new Error(`podman unpause ${id} exited with ${thawed.code}: ${thawed.stderr.trim()}`);
    }
  };
}

