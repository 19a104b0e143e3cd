// A pod's volumes, as far as the harness needs them: Secret, ConfigMap, emptyDir and projected volumes
// (the service-account token volume every pod gets by default) become directories under the pod's own
// directory. Containers are plain processes here, without mount namespaces, so a path under a
// volumeMount's mountPath in the container's env is rewritten to the directory that stands for the
// volume, and a volume mounted at /tmp becomes the process's TMPDIR.
// Files are written when the pod starts; later changes of a Secret are not copied in.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1ConfigMap, V1Container, V1KeyToPath, V1Pod, V1ProjectedVolumeSource, V1Secret } from '@kubernetes/client-node';

export interface VolumeSources {
  secret(name: string): Promise<V1Secret | undefined>;
  configMap(name: string): Promise<V1ConfigMap | undefined>;
  /** A token for the pod's ServiceAccount, as the kubelet gets one through the TokenRequest API. */
  token(serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

export type VolumeResult = { dirs: Map<string, string> } | { error: string };

/** A Secret or ConfigMap reference as volumes and projections write it: which keys, where, with what mode. */
interface KeyedSource {
  kind: 'secret' | 'configmap';
  name: string;
  items?: V1KeyToPath[];
  optional?: boolean;
}

async function writeFiles(dir: string, files: Record<string, Buffer>, items: { key: string; path: string }[] | undefined, mode: number): Promise<string | undefined> {
  const chosen = items ?? Object.keys(files).map((key) => ({ key, path: key }));
  for (const { key, path } of chosen) {
    const content = files[key];
    if (content === undefined) return `key ${key} not found`;
    if (path.split('/').includes('..')) return `path ${path} leaves the volume`;
    const file = join(dir, path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, content);
    await chmod(file, mode);
  }
  return undefined;
}

/** Writes a Secret's or ConfigMap's keys into dir; returns what went wrong, if anything. */
async function writeKeyed(dir: string, source: KeyedSource, mode: number, sources: VolumeSources): Promise<string | undefined> {
  const object = source.kind === 'secret' ? await sources.secret(source.name) : await sources.configMap(source.name);
  if (!object) return source.optional ? undefined : `${source.kind} "${source.name}" not found`;
  const files =
    source.kind === 'secret'
      ? Object.fromEntries(Object.entries((object as V1Secret).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]))
      : Object.fromEntries(Object.entries((object as V1ConfigMap).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
  const problem = await writeFiles(dir, files, source.items, mode);
  return problem && `${problem} in ${source.kind} "${source.name}"`;
}

async function writeProjected(pod: V1Pod, dir: string, projected: V1ProjectedVolumeSource, sources: VolumeSources): Promise<string | undefined> {
  const mode = projected.defaultMode ?? 0o644;
  for (const source of projected.sources ?? []) {
    let problem: string | undefined;
    if (source.serviceAccountToken) {
      const { audience, expirationSeconds, path } = source.serviceAccountToken;
      const token = await sources.token(pod.spec?.serviceAccountName ?? 'default', audience, expirationSeconds ?? 3607);
      problem = await writeFiles(dir, { token: Buffer.from(token) }, [{ key: 'token', path }], 0o600);
    } else if (source.configMap || source.secret) {
      const ref = source.configMap ?? source.secret;
      problem = await writeKeyed(dir, { kind: source.configMap ? 'configmap' : 'secret', name: ref?.name ?? '', items: ref?.items, optional: ref?.optional }, mode, sources);
    } else if (source.downwardAPI) {
      for (const item of source.downwardAPI.items ?? []) {
        const field = item.fieldRef?.fieldPath;
        const value = field === 'metadata.namespace' ? pod.metadata?.namespace : field === 'metadata.name' ? pod.metadata?.name : undefined;
        if (value === undefined) return `downward API field ${field ?? item.resourceFieldRef?.resource} is not supported`;
        problem ??= await writeFiles(dir, { [item.path]: Buffer.from(value) }, undefined, mode);
      }
    } else {
      problem = 'only serviceAccountToken, secret, configMap and downwardAPI projections are supported';
    }
    if (problem) return problem;
  }
  return undefined;
}

/** Creates <podDir>/volumes/<name> for every volume of the pod; returns volume name -> directory. */
export async function materializeVolumes(pod: V1Pod, podDir: string, sources: VolumeSources): Promise<VolumeResult> {
  const dirs = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(podDir, 'volumes', volume.name);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    dirs.set(volume.name, dir);
    let problem: string | undefined;
    if (volume.emptyDir) continue;
    if (volume.secret) {
      const { secretName, items, optional, defaultMode } = volume.secret;
      problem = await writeKeyed(dir, { kind: 'secret', name: secretName ?? '', items, optional }, defaultMode ?? 0o644, sources);
    } else if (volume.configMap) {
      const { name, items, optional, defaultMode } = volume.configMap;
      problem = await writeKeyed(dir, { kind: 'configmap', name: name ?? '', items, optional }, defaultMode ?? 0o644, sources);
    } else if (volume.projected) {
      problem = await writeProjected(pod, dir, volume.projected, sources);
    } else {
      problem = 'only secret, configMap, emptyDir and projected volumes are supported by the r4 cluster harness';
    }
    if (problem) return { error: `volume ${volume.name}: ${problem}` };
  }
  return { dirs };
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
