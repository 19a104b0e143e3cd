// What the operator's end-to-end tests need around the local cluster: the CRD and the operator's RBAC
// installed from the files users apply, the chart's ValidatingAdmissionPolicy rendered by the real helm,
// a kubeconfig for the operator's ServiceAccount (so the tests prove that RBAC and the policy allow what
// the operator does, not just admin), and operator processes to start, stop and kill.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { binaryPath } from '../cluster/binaries.js';
import { clientsFor, type Clients } from '../cluster/jest-cluster.js';
import type { LocalCluster } from '../cluster/cluster.js';
import { PodmanRuntime } from '../cluster/kubelet/podman-runtime.js';
import { startLocalProcess, type LocalProcess } from '../support/local-process.js';
import { repoRoot } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { parseImageReference, reportedDigest } from '../../api/v1alpha1/image.js';
import { localCoreSha256, localServiceDigest, programDigest, programFor, type LocalProgram } from '../cluster/kubelet/programs.js';

export const OPERATOR_NAMESPACE = 'r4-system';
const runFile = promisify(execFile);

/**
 * The objects of a manifest file, in the client library's model: KubernetesObjectApi serializes by
 * model, so raw YAML would lose fields whose model names differ (`default`, `x-kubernetes-*` in a CRD).
 */
export function readManifests(relativePath: string): KubernetesObject[] {
  return (loadAllYaml(readFileSync(join(repoRoot, relativePath), 'utf8')) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => o !== null);
}

/** The operator container's memory limit in the chart (operator.resources.limits.memory), in bytes. */
export function chartOperatorMemoryLimit(): number {
  const values = parse(readFileSync(join(repoRoot, 'charts/r4/values.yaml'), 'utf8')) as { operator: { resources: { limits: { memory: string } } } };
  const limit = values.operator.resources.limits.memory;
  const match = /^(\d+)Mi$/.exec(limit);
  if (!match) throw new Error(`operator.resources.limits.memory ${limit} is not in Mi`);
  return Number(match[1]) * 1048576;
}

/** The entropy service image pods run in a cluster, as the operator's defaults name it and the kubelet reports it. */
export interface EntropyImage {
  /** The operator's R4_DEFAULT_IMAGE. */
  image: string;
  /** containerStatuses[].imageID of its pods. */
  imageID: string;
  /** The digest in that imageID: the operator's R4_DEFAULT_IMAGE_DIGEST. */
  digest: string;
  /** The hash of the core it carries: the operator's R4_DEFAULT_CORE_SHA256. */
  coreSha256: string;
}

/**
 * Process runtime: `r4:test`, played by this checkout's service and its local core. Podman runtime: the
 * image scripts/image/build.sh built, its repo digest, and the core hash of its dev.r4.core.sha256 label.
 */
export function entropyImage(cluster: LocalCluster): EntropyImage {
  if (cluster.runtime instanceof PodmanRuntime) {
    const { reference, imageID, labels } = cluster.runtime.serviceImage;
    const coreSha256 = labels['dev.r4.core.sha256'];
    if (!coreSha256) throw new Error(`${reference} has no dev.r4.core.sha256 label; rebuild it with scripts/image/build.sh`);
    const digest = reportedDigest(imageID);
    if (!digest) throw new Error(`${reference} has no digest (imageID ${imageID})`);
    return { image: reference, imageID, digest, coreSha256 };
  }
  const digest = localServiceDigest();
  return { image: 'r4:test', imageID: `r4@${digest}`, digest, coreSha256: localCoreSha256() };
}

/**
 * A fixture image (r4-tampered-core, r4-selftest-hang) pinned by the digest this cluster's runtime reports
 * for it: in process mode the fixture program's own, in podman mode the service image's (the fixture is
 * that image with a file mounted over it).
 */
export function fixtureImage(cluster: LocalCluster, fixture: string): string {
  const digest = cluster.runtime instanceof PodmanRuntime ? entropyImage(cluster).digest : programDigest(programFor(fixture) as LocalProgram);
  return `${fixture}:test@${digest}`;
}

async function createOrReplace(clients: Clients, object: KubernetesObject): Promise<void> {
  try {
    await clients.objects.create(object);
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

export async function installCrd(clients: Clients): Promise<void> {
  for (const crd of readManifests('crds/r4.dev_entropyappliances.yaml')) await createOrReplace(clients, crd);
  await waitFor(
    async () => {
      const crd = (await clients.objects.read({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'entropyappliances.r4.dev' } })) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return { ok: crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false, state: crd.status };
    },
    30_000,
    'the EntropyAppliance CRD to be established',
  );
}

/** The chart's objects as `helm template` renders them for a release, in the client's model. */
export async function renderChart(cluster: LocalCluster, namespace: string, args: string[], release = 'r4'): Promise<KubernetesObject[]> {
  // helm's caches and config in the cluster's directory, so nothing lands in $HOME.
  const home = join(cluster.dir, 'helm-home');
  mkdirSync(home, { recursive: true });
  const { stdout } = await runFile(binaryPath('helm'), ['template', release, join(repoRoot, 'charts', 'r4'), '--namespace', namespace, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
    timeout: 60_000,
    maxBuffer: 16 << 20,
  });
  return (loadAllYaml(stdout) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => o !== null);
}

/**
 * The chart's ValidatingAdmissionPolicy and binding for the ServiceAccount r4-operator of `namespace`,
 * rendered by helm; resolves once the API server enforces it (a dry-run create of an unlabelled
 * ConfigMap as that ServiceAccount is denied).
 */
export async function installAdmissionPolicy(
  cluster: LocalCluster,
  clients: Clients,
  namespace: string,
  kubeconfigPath: string,
  options: { release?: string; args?: string[]; probeNamespace?: string } = {},
): Promise<void> {
  for (const object of await renderChart(cluster, namespace, ['--show-only', 'templates/admission-policy.yaml', ...(options.args ?? [])], options.release)) await createOrReplace(clients, object);
  const operator = clientsFor(kubeConfigFrom(kubeconfigPath));
  await waitFor(async () => {
    const error = await operator.core
      .createNamespacedConfigMap({ namespace: options.probeNamespace ?? namespace, dryRun: 'All', body: { metadata: { name: 'r4-policy-probe' } } })
      .then(() => undefined, (e: unknown) => String((e as { body?: string }).body ?? e));
    return { ok: error?.includes('ValidatingAdmissionPolicy') ?? false, state: error ?? 'allowed' };
  }, 30_000, 'the admission policy to be enforced');
}

/** A kubeconfig (a file) that authenticates as a ServiceAccount with a token of its own. */
export async function serviceAccountKubeconfig(cluster: LocalCluster, clients: Clients, namespace: string, name: string): Promise<string> {
  const token = await clients.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds: 24 * 3600, audiences: [] } },
  });
  const admin = cluster.kc.getCurrentCluster();
  if (!admin) throw new Error('the cluster kubeconfig has no current cluster');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: admin.server, 'certificate-authority-data': admin.caData ?? Buffer.from(readFileSync(admin.caFile ?? '')).toString('base64') } }],
    users: [{ name, user: { token: token.status?.token } }],
    contexts: [{ name, context: { cluster: 'local', user: name } }],
    'current-context': name,
  };
  const path = join(cluster.dir, `${namespace}.${name}.kubeconfig`);
  writeFileSync(path, JSON.stringify(kubeconfig), { mode: 0o600 });
  return path;
}

export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Namespace, ServiceAccount, deploy/operator/rbac.yaml and the chart's admission policy; returns a
 * kubeconfig for that ServiceAccount.
 */
export async function installOperatorAccess(cluster: LocalCluster, clients: Clients): Promise<string> {
  await createOrReplace(clients, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } });
  await createOrReplace(clients, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'r4-operator', namespace: OPERATOR_NAMESPACE } });
  for (const object of readManifests('deploy/operator/rbac.yaml')) await createOrReplace(clients, object);
  const path = await serviceAccountKubeconfig(cluster, clients, OPERATOR_NAMESPACE, 'r4-operator');
  await installAdmissionPolicy(cluster, clients, OPERATOR_NAMESPACE, path);
  return path;
}

/** The fixture images the scenarios run (see test/cluster/README.md), besides the entropy image. */
const FIXTURE_REPOSITORIES = ['r4-tampered-core', 'r4-selftest-hang', 'r4-liar', 'r4-replay', 'r4-rekey', 'r4-stand-in'];

export interface OperatorProcess {
  identity: string;
  port: number;
  /** The dashboard's port (on 127.0.0.1). */
  dashboardPort: number;
  process: LocalProcess;
  get(path: string): Promise<{ status: number; body: string }>;
  logs(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * `wrap` turns the operator's command into the one to run (for instance joining a memory cgroup first, see
 * test/support/memory-cgroup.ts); it must exec the operator, so the pid is the operator's.
 */
export async function startOperator(
  cluster: LocalCluster,
  kubeconfigPath: string,
  identity: string,
  env: Record<string, string> = {},
  wrap: (argv: string[]) => string[] = (argv) => argv,
): Promise<OperatorProcess> {
  const port = await freeLoopbackPort();
  const dashboardPort = await freeLoopbackPort();
  const entropy = entropyImage(cluster);
  const logFile = join(cluster.dir, 'logs', `operator-${identity}.log`);
  const process_ = startLocalProcess({
    name: `operator ${identity}`,
    argv: wrap([process.execPath, join(repoRoot, 'dist/operator/main.js')]),
    logFile,
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      KUBECONFIG: kubeconfigPath,
      POD_NAME: identity,
      LEASE_NAMESPACE: OPERATOR_NAMESPACE,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: String(dashboardPort),
      POD_NAMESPACE: OPERATOR_NAMESPACE,
      R4_DEFAULT_IMAGE: entropy.image,
      R4_DEFAULT_IMAGE_DIGEST: entropy.digest,
      R4_DEFAULT_CORE_SHA256: entropy.coreSha256,
      R4_ALLOWED_IMAGE_REPOSITORIES: [parseImageReference(entropy.image).repository, ...FIXTURE_REPOSITORIES].join(','),
      LOG_LEVEL: 'debug',
      ...env,
    },
  });
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  await waitFor(async () => {
    const r = await get('/healthz');
    return { ok: r.status === 200, state: r };
  }, 30_000, `operator ${identity} to serve /healthz`);
  return {
    identity,
    port,
    dashboardPort,
    process: process_,
    get,
    logs: () => readFileSync(logFile, 'utf8'),
    stop: async () => void (await process_.stop(10_000)),
    kill: async () => {
      process.kill(process_.pid, 'SIGKILL');
      await process_.exited;
    },
  };
}
