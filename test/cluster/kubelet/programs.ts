// Which local program plays a container image. The harness has no container runtime: it looks the image
// up here and runs the matching program from this repository as a plain process inside the pod's network
// namespace. Another mode (podman, running the real image) can be added beside this table.
//
// Each program has a digest, as an image has: a hash of its name and of every file it runs (its compiled
// code, the core, the manifest, node's version), so the kubelet reports imageID <name>@sha256:<digest>,
// and a pod that runs something else reports something else. A reference that names another digest is
// not there to pull, as with a registry.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { kubernetesServiceAddress } from '../control-plane.js';
import { compiledDir, repoRoot } from '../../support/repo-paths.js';

export interface ContainerLaunch {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

export type LaunchResult = ContainerLaunch | { error: string };

export interface LocalProgram {
  /** Shown in the status message of pods whose image has no mapping. */
  image: string;
  /** What it runs, relative to the repository: files, or directories read whole. */
  files: readonly string[];
  /** podDir: the pod's own directory, for files a program needs (removed with the pod). */
  launch(container: V1Container, env: Record<string, string>, podDir: string): LaunchResult;
}

/**
 * The repository name of an image reference, without registry, path, tag or digest:
 * `example.org/team/r4:1.2@sha256:...` -> `r4`.
 */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSegment = withoutDigest.split('/').pop() ?? withoutDigest;
  return lastSegment.split(':')[0] ?? lastSegment;
}

/** A compiled script of this repository, or why it cannot run yet. */
function compiledScript(relativeJs: string, sourceTs?: string): { path: string } | { error: string } {
  const path = join(compiledDir, relativeJs);
  if (!existsSync(path)) return { error: `${path} does not exist; build it with: npm run build:ts` };
  if (sourceTs) {
    const source = join(repoRoot, sourceTs);
    if (existsSync(source) && statSync(source).mtimeMs > statSync(path).mtimeMs) {
      return { error: `${path} is older than ${source}; rebuild with: npm run build:ts` };
    }
  }
  return { path };
}

function nodeScript(relativeJs: string, sourceTs: string | undefined, env: Record<string, string>): LaunchResult {
  const script = compiledScript(relativeJs, sourceTs);
  if ('error' in script) return script;
  return { argv: [process.execPath, script.path], env, cwd: repoRoot };
}

// Paths inside the appliance image (/app/...) do not exist on this machine. The service's defaults point
// at the local build (native/build/re4_dump and its manifest), so such variables are left out.
export const withoutImagePaths = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => !value.startsWith('/app/')));

/** The core the local service runs: the release build of this checkout. */
const localCore = join(repoRoot, 'native', 'build', 're4_dump');

/** The core hash the local build carries: what the operator image's default stands for in process mode. */
export const localCoreSha256 = (): string =>
  (JSON.parse(readFileSync(join(repoRoot, 'native', 'build', 'manifest.json'), 'utf8')) as { core_sha256: string }).core_sha256;

/**
 * The script a container of r4's images runs: its command and args name one as dist/<path>.js (the
 * images' working directory is /app, which holds dist/), else the image's default.
 */
function imageScript(container: V1Container, fallback: string): string {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const script = argv.find((arg) => /^(\/app\/)?dist\/.+\.js$/.test(arg));
  return script ? script.replace(/^(\/app\/)?dist\//, '') : fallback;
}

/** The files of the service image (what the Dockerfile copies into it) as built in this checkout. */
const SERVICE_FILES = ['dist/service', 'dist/contracts', 'native/build/re4_dump', 'native/build/manifest.json'];

function filesUnder(path: string): string[] {
  const absolute = join(repoRoot, path);
  if (!existsSync(absolute)) return [];
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute).sort().flatMap((entry) => filesUnder(join(path, entry)));
}

/** sha256:<hex> of the program's name, node's version and the name and content of every file it runs. */
export function programDigest(program: LocalProgram): string {
  const hash = createHash('sha256').update(`${program.image}\n${process.version}\n`);
  for (const file of program.files.flatMap(filesUnder)) {
    hash.update(`${file}\n`).update(createHash('sha256').update(readFileSync(join(repoRoot, file))).digest('hex'));
  }
  return `sha256:${hash.digest('hex')}`;
}

const entropyService: LocalProgram = {
  image: 'r4',
  files: SERVICE_FILES,
  launch: (container, env) => nodeScript(imageScript(container, 'service/main.js'), undefined, withoutImagePaths(env)),
};

/** Where every pod's ServiceAccount credentials are mounted (the kube-api-access volume). */
const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The operator as a pod. Its in-cluster configuration reads the token from serviceAccountDir, a path
 * this process cannot have; a kubeconfig with the same server (the `kubernetes` Service, which the
 * service network leads to the API server), CA and token file (re-read as it rotates) stands in.
 */
const operator: LocalProgram = {
  image: 'r4-operator',
  files: ['dist/operator', 'dist/api', 'dist/contracts', 'dist/cdk8s'],
  launch: (container, env, podDir) => {
    const mount = container.volumeMounts?.find((m) => m.mountPath.replace(/\/+$/, '') === serviceAccountDir);
    if (!mount) return { error: `the operator needs its ServiceAccount token mounted at ${serviceAccountDir} (automountServiceAccountToken must not be false)` };
    const credentials = join(podDir, 'volumes', mount.name);
    const kubeconfig = join(podDir, 'kubeconfig');
    const server = `https://${kubernetesServiceAddress}:443`;
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'in-cluster', cluster: { server, 'certificate-authority': join(credentials, 'ca.crt') } }],
        users: [{ name: 'pod', user: { 'auth-provider': { name: 'tokenFile', config: { tokenFile: join(credentials, 'token') } } } }],
        contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'pod' } }],
        'current-context': 'in-cluster',
      }),
      { mode: 0o600 },
    );
    // The operator image's own env names the core and service image of its build; here the local build's.
    const imageEnv = { R4_DEFAULT_CORE_SHA256: localCoreSha256(), R4_DEFAULT_IMAGE_DIGEST: programDigest(entropyService) };
    return nodeScript(imageScript(container, 'operator/main.js'), undefined, { ...imageEnv, ...env, KUBECONFIG: kubeconfig });
  },
};

/**
 * Fixture: an entropy core whose self-test never answers (it sleeps on --selftest and runs `realCore`
 * otherwise), with a manifest that names its hash, so only the self-test is wrong. Tests read its hash
 * here to put it in an appliance's expectedCoreSha256.
 */
export function hangingSelftestCore(realCore = localCore): { script: string; sha256: string } {
  const script = `#!/bin/sh\n# r4 test fixture: a core whose self-test hangs\n[ "$1" = --selftest ] && exec sleep 3600\nexec ${realCore} "$@"\n`;
  return { script, sha256: createHash('sha256').update(script).digest('hex') };
}

/** Fixture: a core with one byte of its code changed: same size, different identity. */
export function tamperedCore(core: Buffer): Buffer {
  const copy = Buffer.from(core);
  const at = Math.floor(copy.length / 2);
  copy[at] = (copy[at] as number) ^ 0xff;
  return copy;
}

// Fixture images: the real service with a core that fails attestation in one precise way.
const tamperedService: LocalProgram = {
  image: 'r4-tampered-core',
  files: SERVICE_FILES,
  launch: (_container, env, podDir) => {
    const path = join(podDir, 're4_dump');
    writeFileSync(path, tamperedCore(readFileSync(localCore)), { mode: 0o755 });
    return nodeScript('service/main.js', undefined, { ...withoutImagePaths(env), R4_CORE_PATH: path });
  },
};

const hangingSelftest: LocalProgram = {
  image: 'r4-selftest-hang',
  files: SERVICE_FILES,
  launch: (_container, env, podDir) => {
    const { script, sha256 } = hangingSelftestCore();
    const core = join(podDir, 're4_dump');
    const manifest = join(podDir, 'manifest.json');
    writeFileSync(core, script);
    chmodSync(core, 0o755);
    writeFileSync(manifest, JSON.stringify({ name: 're4_dump', core_sha256: sha256 }));
    return nodeScript('service/main.js', undefined, { ...withoutImagePaths(env), R4_CORE_PATH: core, R4_MANIFEST_PATH: manifest });
  },
};

const echoServer: LocalProgram = {
  image: 'echo-server',
  files: ['dist/test/cluster/programs/echo-server.js'],
  launch: (_container, env) =>
    nodeScript('test/cluster/programs/echo-server.js', 'test/cluster/programs/echo-server.ts', env),
};

// Stand-ins for pods that cheat attestation (named as such: they are not the product).
const lyingService: LocalProgram = {
  image: 'r4-liar',
  files: ['dist/test/cluster/programs/lying-service.js', 'dist/contracts'],
  launch: (_container, env) => nodeScript('test/cluster/programs/lying-service.js', 'test/cluster/programs/lying-service.ts', withoutImagePaths(env)),
};
const standIn = (mode: 'replay' | 'rekey'): LocalProgram => ({
  image: `r4-${mode}`,
  files: ['dist/test/cluster/programs/attestation-stand-in.js', ...SERVICE_FILES],
  launch: (_container, env) =>
    nodeScript('test/cluster/programs/attestation-stand-in.js', 'test/cluster/programs/attestation-stand-in.ts', { ...withoutImagePaths(env), R4_STAND_IN: mode }),
});

// A pod that only has to exist, as the pause container: the cheapest process there is, for the
// harness's scale figures (a thousand Node processes would not fit in the machine's memory).
const pause: LocalProgram = {
  image: 'pause',
  files: [],
  launch: (_container, env) => ({ argv: ['sleep', 'infinity'], env, cwd: repoRoot }),
};

const hostile = (image: string, mode: 'slowloris' | 'huge' | 'malformed'): LocalProgram => ({
  image,
  files: ['dist/test/cluster/programs/hostile-attestation.js', 'dist/contracts'],
  launch: (_container, env) =>
    nodeScript('test/cluster/programs/hostile-attestation.js', 'test/cluster/programs/hostile-attestation.ts', { ...withoutImagePaths(env), R4_HOSTILE: mode }),
});
/** Images of pods whose attestation answer is built to hurt the prober (test/chaos/faults.test.ts). */
export const HOSTILE_IMAGES = { slowloris: 'r4-slowloris', huge: 'r4-huge-answer', malformed: 'r4-malformed' } as const;

/**
 * STAND-IN pods (image r4-stand-in): no process of their own; the cluster's stand-in hub serves them
 * (test/cluster/stand-in/, ClusterOptions.standIns). Its files are its digest, as for any program here.
 */
export const standInProgram: LocalProgram = {
  image: 'r4-stand-in',
  files: ['dist/test/cluster/stand-in', ...SERVICE_FILES],
  launch: () => ({ error: 'r4-stand-in pods are served by the stand-in hub: start the cluster with standIns: true (test/cluster/cluster.ts)' }),
};

/** A stand-in pod's image, pinned to the stand-in's digest; `tag` says who runs it (bench, test, chaos). */
export const standInImage = (tag: string): string => `${standInProgram.image}:${tag}@${programDigest(standInProgram)}`;

const programs = [
  entropyService,
  operator,
  tamperedService,
  hangingSelftest,
  echoServer,
  lyingService,
  standIn('replay'),
  standIn('rekey'),
  hostile(HOSTILE_IMAGES.slowloris, 'slowloris'),
  hostile(HOSTILE_IMAGES.huge, 'huge'),
  hostile(HOSTILE_IMAGES.malformed, 'malformed'),
  pause,
  standInProgram,
];

export function programFor(image: string): LocalProgram | undefined {
  const name = imageName(image);
  return programs.find((p) => p.image === name);
}

/** The digest the local build of the service image has in process mode (the operator's default). */
export const localServiceDigest = (): string => programDigest(entropyService);

export function unmappedImageMessage(image: string): string {
  const known = programs.map((p) => `"${p.image}"`).join(', ');
  return `the r4 cluster harness has no local program for image "${image}" (known image names: ${known}; see test/cluster/kubelet/programs.ts)`;
}
