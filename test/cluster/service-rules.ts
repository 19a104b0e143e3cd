// What kube-proxy and cluster DNS would give a pod, computed from Services and EndpointSlices: iptables
// NAT rules that send a Service's ClusterIP:port to one of its ready endpoints, and an /etc/hosts that
// names every Service (<name>.<namespace>.svc and the rest of the cluster.local forms). Pure functions;
// service-network.ts applies them inside each pod's network namespace.
//
// As kube-proxy's, the rules live in one chain per Service port (R4-SVC-<hash of ClusterIP:port>, in the
// nat table for its endpoints and in the filter table for its refusal when it has none), each reached
// from OUTPUT by its ClusterIP:port. A change then rewrites only the chains it touches, with
// `iptables-restore --noflush` (ruleDiff): one Service's endpoints changing costs one chain's lines,
// however many Services there are.
import { createHash } from 'node:crypto';
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

/** One Service port's chain: how OUTPUT reaches it, and its rules in each table (without `-A <chain>`). */
export interface ServiceChain {
  match: string;
  nat: string[];
  filter: string[];
}

/** Every Service port's chain by name: what a pod's namespace should hold. Compare with sameRules. */
export type ServiceRules = ReadonlyMap<string, ServiceChain>;

const tables = ['nat', 'filter'] as const;

export function chainName(clusterIP: string, port: number): string {
  return `R4-SVC-${createHash('sha256').update(`${clusterIP}:${port}`).digest('hex').slice(0, 8).toUpperCase()}`;
}

/**
 * The chains for the backends. Traffic to a ClusterIP:port is spread over the ready endpoints with the
 * same cascade of random matches kube-proxy uses (1/n, then 1/(n-1), ...); a Service without ready
 * endpoints refuses connections at once, as kube-proxy's REJECT does, instead of letting callers hang.
 */
export function serviceRules(backends: readonly Backend[]): ServiceRules {
  const chains = new Map<string, ServiceChain>();
  for (const { clusterIP, port, targets } of backends) {
    const nat = targets.map((target, i) => {
      const remaining = targets.length - i;
      const chance = remaining > 1 ? `-m statistic --mode random --probability ${(1 / remaining).toFixed(5)} ` : '';
      // DNAT to a port and REJECT with a TCP reset need the protocol in their own rule, not only in the jump.
      return `-p tcp ${chance}-j DNAT --to-destination ${target}`;
    });
    const filter = targets.length === 0 ? ['-p tcp -j REJECT --reject-with tcp-reset'] : [];
    chains.set(chainName(clusterIP, port), { match: `-d ${clusterIP}/32 -p tcp -m tcp --dport ${port}`, nat, filter });
  }
  return chains;
}

const sameLines = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((line, i) => line === b[i]);

const sameChain = (a: ServiceChain, b: ServiceChain) => a.match === b.match && sameLines(a.nat, b.nat) && sameLines(a.filter, b.filter);

export function sameRules(a: ServiceRules, b: ServiceRules): boolean {
  return a.size === b.size && [...a].every(([name, chain]) => {
    const other = b.get(name);
    return other !== undefined && sameChain(chain, other);
  });
}

/**
 * iptables-restore input that replaces a namespace's nat and filter tables whole with `rules`: for a new
 * namespace, or one whose rules are not known (a failed apply).
 */
export function fullRules(rules: ServiceRules): string {
  const lines: string[] = [];
  const builtins = { nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], filter: ['INPUT', 'FORWARD', 'OUTPUT'] };
  for (const table of tables) {
    lines.push(`*${table}`, ...builtins[table].map((chain) => `:${chain} ACCEPT [0:0]`));
    for (const name of rules.keys()) lines.push(`:${name} - [0:0]`);
    for (const [name, chain] of rules) lines.push(`-A OUTPUT ${chain.match} -j ${name}`, ...chain[table].map((rule) => `-A ${name} ${rule}`));
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * iptables-restore --noflush input that turns a namespace holding `previous` into one holding `next`,
 * touching nothing else: a new chain is made, filled and jumped to; a changed one is flushed (declaring
 * an existing chain under --noflush empties it) and refilled; a removed one is emptied, unhooked and
 * deleted. Empty when nothing changed.
 */
export function ruleDiff(previous: ServiceRules, next: ServiceRules): string {
  const lines: string[] = [];
  for (const table of tables) {
    const declared: string[] = [];
    const rules: string[] = [];
    const removed: string[] = [];
    for (const [name, chain] of next) {
      const before = previous.get(name);
      if (before && sameLines(before[table], chain[table])) continue;
      declared.push(`:${name} - [0:0]`);
      rules.push(...chain[table].map((rule) => `-A ${name} ${rule}`));
      if (!before) rules.push(`-A OUTPUT ${chain.match} -j ${name}`);
    }
    for (const [name, chain] of previous) {
      if (next.has(name)) continue;
      declared.push(`:${name} - [0:0]`);
      removed.push(`-D OUTPUT ${chain.match} -j ${name}`, `-X ${name}`);
    }
    if (declared.length > 0) lines.push(`*${table}`, ...declared, ...rules, ...removed, 'COMMIT');
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** What the hosts files depend on besides the pod itself: the Services' names and ClusterIPs. */
export function hostsKey(services: readonly V1Service[]): string {
  return services
    .filter(hasClusterIP)
    .map((s) => `${s.metadata?.namespace}/${s.metadata?.name}=${s.spec.clusterIP}`)
    .sort()
    .join(',');
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
