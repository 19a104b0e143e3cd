// What kube-proxy and cluster DNS would give a pod, computed from Services and EndpointSlices: iptables
// NAT rules that send a Service's ClusterIP:port to one of its ready endpoints, and an /etc/hosts that
// names every Service (<name>.<namespace>.svc and the rest of the cluster.local forms). Pure functions;
// service-network.ts applies them inside each pod's network namespace.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';

/** Where traffic for the `kubernetes` Service goes: the API server relay on the pod network's gateway. */
export interface ApiServerRoute {
  host: string;
  port: number;
}

export interface PodIdentity {
  name: string;
  namespace: string;
  ip: string;
}

interface Backend {
  clusterIP: string;
  port: number;
  /** host:port of each ready endpoint; empty: nothing answers. */
  targets: string[];
}

const isKubernetesService = (s: V1Service) => s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes';

function hasClusterIP(service: V1Service): service is V1Service & { spec: { clusterIP: string } } {
  const ip = service.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** Ready endpoints of one Service port, as "ip:port", in a stable order. */
function readyTargets(service: V1Service, portName: string | undefined, slices: readonly V1EndpointSlice[]): string[] {
  const targets = new Set<string>();
  for (const slice of slices) {
    const labels = slice.metadata?.labels ?? {};
    if (slice.metadata?.namespace !== service.metadata?.namespace || labels['kubernetes.io/service-name'] !== service.metadata?.name) continue;
    if (slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (portName ?? '') && (p.protocol ?? 'TCP') === 'TCP')?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      // As kube-proxy: a missing "ready" counts as ready; terminating or unready endpoints get no traffic.
      if (endpoint.conditions?.ready === false) continue;
      for (const address of endpoint.addresses ?? []) targets.add(`${address}:${port}`);
    }
  }
  return [...targets].sort();
}

export function serviceBackends(services: readonly V1Service[], slices: readonly V1EndpointSlice[], apiServer: ApiServerRoute): Backend[] {
  const backends: Backend[] = [];
  for (const service of services.filter(hasClusterIP)) {
    for (const port of service.spec.ports ?? []) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const targets = isKubernetesService(service) ? [`${apiServer.host}:${apiServer.port}`] : readyTargets(service, port.name, slices);
      backends.push({ clusterIP: service.spec.clusterIP, port: port.port, targets });
    }
  }
  return backends.sort((a, b) => (a.clusterIP === b.clusterIP ? a.port - b.port : a.clusterIP < b.clusterIP ? -1 : 1));
}

/**
 * iptables-restore input for a pod's namespace (its nat and filter tables, replaced whole). Traffic to a
 * ClusterIP:port is spread over the ready endpoints with the same cascade of random matches kube-proxy
 * uses (1/n, then 1/(n-1), ...); a Service without ready endpoints refuses connections at once, as
 * kube-proxy's REJECT does, instead of letting callers hang.
 */
export function iptablesRules(backends: Backend[]): string {
  const nat = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  const filter = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (const { clusterIP, port, targets } of backends) {
    const match = `-d ${clusterIP}/32 -p tcp -m tcp --dport ${port}`;
    if (targets.length === 0) {
      filter.push(`-A OUTPUT ${match} -j REJECT --reject-with tcp-reset`);
      continue;
    }
    targets.forEach((target, i) => {
      const remaining = targets.length - i;
      const chance = remaining > 1 ? ` -m statistic --mode random --probability ${(1 / remaining).toFixed(5)}` : '';
      nat.push(`-A OUTPUT ${match}${chance} -j DNAT --to-destination ${target}`);
    });
  }
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

/** The pod's /etc/hosts: itself, then every Service by the names cluster DNS would answer for it. */
export function hostsFile(pod: PodIdentity, services: readonly V1Service[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${pod.ip}\t${pod.name}`];
  const named = services.filter(hasClusterIP).sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
  for (const service of named) {
    const { name, namespace } = service.metadata ?? {};
    const names = [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`, `${name}.${namespace}`];
    // Short names resolve in the pod's own namespace, as the DNS search path makes them.
    if (namespace === pod.namespace) names.push(`${name}`);
    lines.push(`${service.spec.clusterIP}\t${names.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
