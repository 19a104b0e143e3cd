// How one container of a pod becomes a `podman run`: its volumes bind-mounted at their mountPaths, its
// securityContext (and the pod's) as podman flags, its resource limits as cgroup limits, its env as an
// env file, its command and args. Pure: the runtime (podman-runtime.ts) resolves the image, writes the
// files and runs the command.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expandReferences } from './container-env.js';

/** A file or directory mounted into the container beside the pod's volumes (fixtures). */
export interface ExtraMount {
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface PodmanRunInput {
  pod: V1Pod;
  container: V1Container;
  env: Record<string, string>;
  volumeDirs: ReadonlyMap<string, string>;
  /** The image as podman names it (an image ID is safest), and the user its config runs as. */
  image: string;
  imageUser: string;
  name: string;
  labels: Record<string, string>;
  netns: string;
  logFile: string;
  envFile: string;
  extraMounts?: ExtraMount[];
}

export interface PodmanRunPlan {
  /** Arguments after `podman`. */
  args: string[];
  /** The env file's content: one NAME=value a line (podman takes each value verbatim to the line's end). */
  envFileContent: string;
  /** emptyDir directories, which the kubelet makes writable for any user (mode 0777). */
  writableDirs: string[];
  /**
   * Projected volumes (the service-account token, mode 0600) to hand to the container's user, as the
   * kubelet does when the pod names a runAsUser: owner that user, group fsGroup (else runAsGroup).
   */
  ownedDirs: { dir: string; uid: number; gid: number }[];
}

/** The kubelet's default grace period, used when the pod names none. */
const defaultGraceSeconds = 30;

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity ("256Mi", "100m", "1.5", "1e3") as a number, or undefined if it is not one. */
export function parseQuantity(quantity: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(quantity.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  if (match[2]) return value * 10 ** Number(match[2].slice(1));
  const suffix = match[3] ?? '';
  return value * (binarySuffixes[suffix] ?? decimalSuffixes[suffix] ?? 1);
}

function resourceFlags(container: V1Container): string[] | { error: string } {
  const flags: string[] = [];
  const quantity = (kind: 'limits' | 'requests', resource: string): number | { error: string } | undefined => {
    const text = container.resources?.[kind]?.[resource];
    if (text === undefined) return undefined;
    const value = parseQuantity(String(text));
    return value === undefined ? { error: `resources.${kind}.${resource}: "${text}" is not a quantity` } : value;
  };
  const memory = quantity('limits', 'memory');
  const cpu = quantity('limits', 'cpu');
  const cpuRequest = quantity('requests', 'cpu');
  for (const value of [memory, cpu, cpuRequest]) if (typeof value === 'object') return value;
  // No swap beyond the limit, as on a node without swap.
  if (typeof memory === 'number') flags.push(`--memory=${Math.ceil(memory)}`, `--memory-swap=${Math.ceil(memory)}`);
  if (typeof cpu === 'number') flags.push(`--cpus=${cpu}`);
  // The kubelet's conversion of a CPU request to cgroup v1 shares (MilliCPUToShares), at least 2.
  if (typeof cpuRequest === 'number') flags.push(`--cpu-shares=${Math.max(2, Math.floor(cpuRequest * 1024))}`);
  return flags;
}

/** The uid an image's `User` runs as: a number, or undefined for a name (which cannot be checked). */
function imageUid(user: string): number | undefined {
  const uid = (user.split(':')[0] ?? '') || '0';
  return /^\d+$/.test(uid) ? Number(uid) : undefined;
}

function securityFlags(pod: V1Pod, container: V1Container, imageUser: string): string[] | { error: string } {
  const podContext = pod.spec?.securityContext ?? {};
  const context = container.securityContext ?? {};
  const flags: string[] = [];
  const user = context.runAsUser ?? podContext.runAsUser;
  const group = context.runAsGroup ?? podContext.runAsGroup;
  if (user !== undefined || group !== undefined) {
    // A group alone keeps the image's user, as the kubelet does.
    const uid = user ?? imageUser.split(':')[0] ?? '';
    flags.push(`--user=${uid || '0'}${group !== undefined ? `:${group}` : ''}`);
  }
  if (context.runAsNonRoot ?? podContext.runAsNonRoot) {
    // The kubelet's verifyRunAsNonRoot, with its messages.
    if (user === 0) return { error: 'container\'s runAsUser breaks non-root policy' };
    if (user === undefined) {
      const uid = imageUid(imageUser);
      if (uid === undefined) return { error: `container has runAsNonRoot and image has non-numeric user (${imageUser.split(':')[0]}), cannot verify user is non-root` };
      if (uid === 0) return { error: 'container has runAsNonRoot and image will run as root' };
    }
  }
  for (const extra of [...(podContext.supplementalGroups ?? []), ...(podContext.fsGroup !== undefined ? [podContext.fsGroup] : [])]) {
    flags.push(`--group-add=${extra}`);
  }
  if (context.privileged) flags.push('--privileged');
  const drop = context.capabilities?.drop ?? [];
  if (drop.includes('ALL')) flags.push('--cap-drop=ALL');
  else flags.push(...drop.map((c) => `--cap-drop=${c}`));
  flags.push(...(context.capabilities?.add ?? []).map((c) => `--cap-add=${c}`));
  if (context.allowPrivilegeEscalation === false) flags.push('--security-opt=no-new-privileges');
  const seccomp = context.seccompProfile ?? podContext.seccompProfile;
  if (seccomp?.type === 'Unconfined') flags.push('--security-opt=seccomp=unconfined');
  if (seccomp?.type === 'Localhost') return { error: 'seccompProfile Localhost is not supported by the r4 cluster harness' };
  return flags;
}

const tmpfsOptions = 'rw,exec,nosuid,nodev,mode=1777';

function mountFlags(input: PodmanRunInput): { flags: string[]; writableDirs: string[]; ownedDirs: PodmanRunPlan['ownedDirs']; mountsTmp: boolean } | { error: string } {
  const volumes = new Map((input.pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const podContext = input.pod.spec?.securityContext ?? {};
  const uid = input.container.securityContext?.runAsUser ?? podContext.runAsUser;
  const gid = podContext.fsGroup ?? input.container.securityContext?.runAsGroup ?? podContext.runAsGroup ?? 0;
  const flags: string[] = [];
  const writableDirs: string[] = [];
  const ownedDirs: PodmanRunPlan['ownedDirs'] = [];
  let mountsTmp = false;
  for (const mount of input.container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    const dir = input.volumeDirs.get(mount.name);
    if (!volume || dir === undefined) return { error: `volumeMount ${mount.name}: the pod has no volume of that name` };
    const destination = mount.mountPath.replace(/(.)\/+$/, '$1');
    if (destination === '/tmp') mountsTmp = true;
    if (volume.emptyDir?.medium === 'Memory') {
      const size = volume.emptyDir.sizeLimit !== undefined ? parseQuantity(String(volume.emptyDir.sizeLimit)) : undefined;
      flags.push(`--tmpfs=${destination}:${tmpfsOptions}${size !== undefined ? `,size=${Math.ceil(size)}` : ''}`);
      continue;
    }
    if (volume.emptyDir) writableDirs.push(dir);
    if (volume.projected && uid !== undefined) ownedDirs.push({ dir, uid, gid });
    // The volume's directory, never its files: a Secret or ConfigMap update swaps the `..data` symlink
    // inside it (atomic-writer.ts), which the container sees only through a mount of the directory. A
    // subPath mount is of what the path leads to when the container starts and, as in Kubernetes, sees
    // no updates.
    const source = mount.subPath ? `${dir}/${mount.subPath}` : dir;
    if (mount.subPath?.split('/').includes('..')) return { error: `volumeMount ${mount.name}: subPath ${mount.subPath} leaves the volume` };
    flags.push(`--volume=${source}:${destination}${mount.readOnly ? ':ro' : ''}`);
  }
  for (const extra of input.extraMounts ?? []) {
    flags.push(`--volume=${extra.source}:${extra.destination}${extra.readOnly ? ':ro' : ''}`);
  }
  return { flags, writableDirs, ownedDirs, mountsTmp };
}

export function podmanRunPlan(input: PodmanRunInput): PodmanRunPlan | { error: string } {
  const { pod, container, env } = input;
  const security = securityFlags(pod, container, input.imageUser);
  if ('error' in security) return security;
  const resources = resourceFlags(container);
  if ('error' in resources) return resources;
  const mounts = mountFlags(input);
  if ('error' in mounts) return mounts;
  const readOnly = container.securityContext?.readOnlyRootFilesystem === true;
  // A read-only root still needs a writable /tmp (the service runs its sealed core there): a tmpfs,
  // unless the pod mounts a volume there. Podman's own tmpfs on /run, /tmp and /var/tmp are not wanted.
  const rootFlags = readOnly ? ['--read-only', '--read-only-tmpfs=false', ...(mounts.mountsTmp ? [] : [`--tmpfs=/tmp:${tmpfsOptions}`])] : [];

  // Values podman's env file cannot carry (a line break) go on the command line instead.
  const lines: string[] = [];
  const envFlags: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (/[\r\n]/.test(value)) envFlags.push(`--env=${name}=${value}`);
    else lines.push(`${name}=${value}`);
  }
  const command = (container.command ?? []).map((part) => expandReferences(part, env));
  const args = (container.args ?? []).map((part) => expandReferences(part, env));
  const meta = pod.metadata ?? {};
  const grace = pod.spec?.terminationGracePeriodSeconds ?? defaultGraceSeconds;
  return {
    args: [
      'run',
      '--detach',
      '--replace',
      '--pull=never',
      `--name=${input.name}`,
      ...Object.entries(input.labels).map(([key, value]) => `--label=${key}=${value}`),
      `--network=ns:/run/netns/${input.netns}`,
      `--hostname=${pod.spec?.hostname ?? meta.name ?? ''}`,
      '--log-driver=k8s-file',
      `--log-opt=path=${input.logFile}`,
      `--stop-timeout=${grace}`,
      ...security,
      ...rootFlags,
      ...resources,
      ...mounts.flags,
      `--env-file=${input.envFile}`,
      ...envFlags,
      ...(container.workingDir ? [`--workdir=${container.workingDir}`] : []),
      // A command replaces the image's entrypoint and its default arguments, as in Kubernetes.
      ...(command.length > 0 ? [`--entrypoint=${JSON.stringify(command)}`] : []),
      input.image,
      ...args,
    ],
    envFileContent: lines.length > 0 ? `${lines.join('\n')}\n` : '',
    writableDirs: mounts.writableDirs,
    ownedDirs: mounts.ownedDirs,
  };
}

/**
 * The container's name, in the form the kubelet used with Docker (k8s_<container>_<pod>_<namespace>_<uid>_<attempt>),
 * so `podman ps` reads like `docker ps` on a node.
 */
export function containerName(pod: V1Pod, container: V1Container, attempt: number): string {
  const meta = pod.metadata ?? {};
  return `k8s_${container.name}_${meta.name}_${meta.namespace}_${meta.uid}_${attempt}`;
}
