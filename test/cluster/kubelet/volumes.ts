// A pod's volumes, as far as the harness needs them: Secret, ConfigMap, emptyDir and projected volumes
// (the service-account token volume every pod gets by default) become directories under the pod's own
// directory. Containers are plain processes here, without mount namespaces, so a path under a
// volumeMount's mountPath in the container's env is rewritten to the directory that stands for the
// volume, and a volume mounted at /tmp becomes the process's TMPDIR.
// Secret, ConfigMap and projected volumes are written as the kubelet's AtomicWriter writes them
// (atomic-writer.ts: a version directory, `..data` pointing at it, a symlink per file), and written again
// when an object they come from changes (pod-volumes.ts), so a rotated certificate or API key reaches
// running pods. The service-account token is requested once, when the pod starts; it is not rotated.
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { V1ConfigMap, V1Container, V1KeyToPath, V1Pod, V1ProjectedVolumeSource, V1Secret, V1Volume } from '@kubernetes/client-node';
import { writeAtomically, type Payload, type PayloadFile } from './atomic-writer.js';

export interface VolumeSources {
  secret(name: string): Promise<V1Secret | undefined>;
  configMap(name: string): Promise<V1ConfigMap | undefined>;
  /** A token for the pod's ServiceAccount, as the kubelet gets one through the TokenRequest API. */
  token(serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

export type VolumeResult = { dirs: Map<string, string> } | { error: string };

export type SourceKind = 'secret' | 'configmap';

/** A Secret or ConfigMap reference as volumes and projections write it: which keys, where, with what mode. */
interface KeyedSource {
  kind: SourceKind;
  name: string;
  items?: V1KeyToPath[];
  optional?: boolean;
}

/** What is wrong with a file's path in a volume, as the kubelet's AtomicWriter checks it. */
function pathProblem(path: string): string | undefined {
  if (isAbsolute(path) || path.split('/').includes('..')) return `path ${path} leaves the volume`;
  // Names starting with `..` are the writer's own: the version directories and `..data`.
  if (path.startsWith('..')) return `path ${path} must not start with ".."`;
  return undefined;
}

function addFiles(payload: Map<string, PayloadFile>, files: Record<string, Buffer>, items: V1KeyToPath[] | undefined, mode: number): string | undefined {
  const chosen = items ?? Object.keys(files).map((key) => ({ key, path: key, mode: undefined }));
  for (const { key, path, mode: itemMode } of chosen) {
    const content = files[key];
    if (content === undefined) return `key ${key} not found`;
    const problem = pathProblem(path);
    if (problem) return problem;
    payload.set(path, { content, mode: itemMode ?? mode });
  }
  return undefined;
}

/** Adds a Secret's or ConfigMap's keys to the payload; returns what went wrong, if anything. */
async function addKeyed(payload: Map<string, PayloadFile>, source: KeyedSource, mode: number, sources: VolumeSources): Promise<string | undefined> {
  const object = source.kind === 'secret' ? await sources.secret(source.name) : await sources.configMap(source.name);
  if (!object) return source.optional ? undefined : `${source.kind} "${source.name}" not found`;
  const files =
    source.kind === 'secret'
      ? Object.fromEntries(Object.entries((object as V1Secret).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]))
      : Object.fromEntries(Object.entries((object as V1ConfigMap).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
  const problem = addFiles(payload, files, source.items, mode);
  return problem && `${problem} in ${source.kind} "${source.name}"`;
}

async function addProjected(payload: Map<string, PayloadFile>, pod: V1Pod, projected: V1ProjectedVolumeSource, sources: VolumeSources): Promise<string | undefined> {
  const mode = projected.defaultMode ?? 0o644;
  for (const source of projected.sources ?? []) {
    let problem: string | undefined;
    if (source.serviceAccountToken) {
      const { audience, expirationSeconds, path } = source.serviceAccountToken;
      const token = await sources.token(pod.spec?.serviceAccountName ?? 'default', audience, expirationSeconds ?? 3607);
      problem = addFiles(payload, { token: Buffer.from(token) }, [{ key: 'token', path }], 0o600);
    } else if (source.configMap || source.secret) {
      const ref = source.configMap ?? source.secret;
      problem = await addKeyed(payload, { kind: source.configMap ? 'configmap' : 'secret', name: ref?.name ?? '', items: ref?.items, optional: ref?.optional }, mode, sources);
    } else if (source.downwardAPI) {
      for (const item of source.downwardAPI.items ?? []) {
        const field = item.fieldRef?.fieldPath;
        const value = field === 'metadata.namespace' ? pod.metadata?.namespace : field === 'metadata.name' ? pod.metadata?.name : undefined;
        if (value === undefined) return `downward API field ${field ?? item.resourceFieldRef?.resource} is not supported`;
        problem ??= addFiles(payload, { [item.path]: Buffer.from(value) }, undefined, item.mode ?? mode);
      }
    } else {
      problem = 'only serviceAccountToken, secret, configMap and downwardAPI projections are supported';
    }
    if (problem) return problem;
  }
  return undefined;
}

/** The files of a Secret, ConfigMap or projected volume, or what is wrong with it. */
async function volumePayload(pod: V1Pod, volume: V1Volume, sources: VolumeSources): Promise<Payload | { error: string }> {
  const payload = new Map<string, PayloadFile>();
  let problem: string | undefined;
  if (volume.secret) {
    const { secretName, items, optional, defaultMode } = volume.secret;
    problem = await addKeyed(payload, { kind: 'secret', name: secretName ?? '', items, optional }, defaultMode ?? 0o644, sources);
  } else if (volume.configMap) {
    const { name, items, optional, defaultMode } = volume.configMap;
    problem = await addKeyed(payload, { kind: 'configmap', name: name ?? '', items, optional }, defaultMode ?? 0o644, sources);
  } else if (volume.projected) {
    problem = await addProjected(payload, pod, volume.projected, sources);
  } else {
    problem = 'only secret, configMap, emptyDir and projected volumes are supported by the r4 cluster harness';
  }
  return problem ? { error: `volume ${volume.name}: ${problem}` } : payload;
}

/**
 * Writes one volume into dir from its sources as they are now: a new version of its files, or nothing if
 * they did not change (written: false). An emptyDir is only the directory.
 */
export async function writeVolume(pod: V1Pod, volume: V1Volume, dir: string, sources: VolumeSources): Promise<{ written: boolean } | { error: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (volume.emptyDir) return { written: false };
  const payload = await volumePayload(pod, volume, sources);
  if ('error' in payload) return payload;
  return { written: await writeAtomically(dir, payload) };
}

/** Creates <podDir>/volumes/<name> for every volume of the pod; returns volume name -> directory. */
export async function materializeVolumes(pod: V1Pod, podDir: string, sources: VolumeSources): Promise<VolumeResult> {
  const dirs = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(podDir, 'volumes', volume.name);
    dirs.set(volume.name, dir);
    const result = await writeVolume(pod, volume, dir, sources);
    if ('error' in result) return result;
  }
  return { dirs };
}

/** The Secrets and ConfigMaps that volumes are made from, directly or projected. Pure. */
export function volumeReferences(volumes: readonly V1Volume[]): { secrets: string[]; configMaps: string[] } {
  const projected = volumes.flatMap((v) => v.projected?.sources ?? []);
  const unique = (names: (string | undefined)[]) => [...new Set(names.filter((name): name is string => !!name))];
  return {
    secrets: unique([...volumes.map((v) => v.secret?.secretName), ...projected.map((p) => p.secret?.name)]),
    configMaps: unique([...volumes.map((v) => v.configMap?.name), ...projected.map((p) => p.configMap?.name)]),
  };
}

/** The pod's volumes made from the Secret or ConfigMap `name`, directly or projected. Pure. */
export function volumesReferencing(pod: V1Pod, kind: SourceKind, name: string): V1Volume[] {
  return (pod.spec?.volumes ?? []).filter((volume) => {
    const refs = volumeReferences([volume]);
    return (kind === 'secret' ? refs.secrets : refs.configMaps).includes(name);
  });
}

/** The container's env with paths under its mounts pointing at the volumes' directories. Pure. */
export function envWithMounts(container: V1Container, dirs: ReadonlyMap<string, string>, env: Record<string, string>): Record<string, string> {
  const mounts = (container.volumeMounts ?? [])
    .filter((m) => dirs.has(m.name))
    .map((m) => ({ mountPath: m.mountPath.replace(/\/+$/, ''), dir: join(dirs.get(m.name) as string, m.subPath ?? '') }))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  const rewritten: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const mount = mounts.find((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`));
    rewritten[name] = mount ? mount.dir + value.slice(mount.mountPath.length) : value;
  }
  const tmp = mounts.find((m) => m.mountPath === '/tmp');
  if (tmp && rewritten.TMPDIR === undefined) rewritten.TMPDIR = tmp.dir;
  return rewritten;
}
