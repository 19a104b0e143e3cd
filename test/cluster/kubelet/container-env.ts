// A container's environment as the kubelet builds it: envFrom first, then env in order, with
// valueFrom (downward API fields, Secret and ConfigMap keys) and $(VAR) references expanded against the
// variables defined before. Pure: the Secrets and ConfigMaps it may read are handed in.
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';

export interface EnvSources {
  secrets: Map<string, V1Secret>;
  configMaps: Map<string, V1ConfigMap>;
}

export type EnvResult = { env: Record<string, string> } | { error: string };

/** Names of the Secrets and ConfigMaps a container's env refers to, so the caller can fetch them. */
export function referencedSources(container: V1Container): { secrets: string[]; configMaps: string[] } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  for (const from of container.envFrom ?? []) {
    if (from.secretRef?.name) secrets.add(from.secretRef.name);
    if (from.configMapRef?.name) configMaps.add(from.configMapRef.name);
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.secretKeyRef?.name) secrets.add(variable.valueFrom.secretKeyRef.name);
    if (variable.valueFrom?.configMapKeyRef?.name) configMaps.add(variable.valueFrom.configMapKeyRef.name);
  }
  return { secrets: [...secrets], configMaps: [...configMaps] };
}

function fieldValue(pod: V1Pod, path: string): string | undefined {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed?.[1] && keyed[2]) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2]] ?? '';
  const fields: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
  };
  return path in fields ? (fields[path] ?? '') : undefined;
}

const decodeSecret = (value: string) => Buffer.from(value, 'base64').toString('utf8');

/** Expands $(NAME) from earlier variables; $$ is a literal $, and unknown references stay as written. */
export function expandReferences(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) =>
    name === undefined ? '$' : (defined[name] ?? whole),
  );
}

export function containerEnv(pod: V1Pod, container: V1Container, sources: EnvSources): EnvResult {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.secretRef) {
      const secret = sources.secrets.get(from.secretRef.name ?? '');
      if (!secret) {
        if (from.secretRef.optional) continue;
        return { error: `secret "${from.secretRef.name}" not found` };
      }
      for (const [k, v] of Object.entries(secret.data ?? {})) env[prefix + k] = decodeSecret(v);
    }
    if (from.configMapRef) {
      const configMap = sources.configMaps.get(from.configMapRef.name ?? '');
      if (!configMap) {
        if (from.configMapRef.optional) continue;
        return { error: `configmap "${from.configMapRef.name}" not found` };
      }
      for (const [k, v] of Object.entries(configMap.data ?? {})) env[prefix + k] = v;
    }
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expandReferences(variable.value ?? '', env);
    } else if (from.fieldRef) {
      const value = fieldValue(pod, from.fieldRef.fieldPath);
      if (value === undefined) return { error: `env ${variable.name}: field ${from.fieldRef.fieldPath} is not supported by the r4 cluster harness` };
      env[variable.name] = value;
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      const value = sources.secrets.get(ref.name ?? '')?.data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        return { error: sources.secrets.has(ref.name ?? '') ? `couldn't find key ${ref.key} in Secret ${pod.metadata?.namespace}/${ref.name}` : `secret "${ref.name}" not found` };
      }
      env[variable.name] = decodeSecret(value);
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const value = sources.configMaps.get(ref.name ?? '')?.data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        return { error: sources.configMaps.has(ref.name ?? '') ? `couldn't find key ${ref.key} in ConfigMap ${pod.metadata?.namespace}/${ref.name}` : `configmap "${ref.name}" not found` };
      }
      env[variable.name] = value;
    } else {
      return { error: `env ${variable.name}: this kind of valueFrom is not supported by the r4 cluster harness` };
    }
  }
  return { env };
}
