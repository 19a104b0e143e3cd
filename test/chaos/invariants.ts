// What users rely on while parts of the cluster fail, checked throughout a chaos test rather than at its
// end: the checker keeps its own watches (pods, EndpointSlices, EntropyAppliances, in every namespace) and
// samples the invariants on every event they deliver, plus once a second for what only time reveals.
//   I1  no pod that is not attested is a ready endpoint of any EndpointSlice: a pod of a hostile or tampered
//       image never; a pod the checker never saw attested never (after a short ordering grace, since the
//       pod and the slice arrive on two watches); a cordoned or deleted pod not for longer than `graceMs`
//       (the operator patches the gate before it rewrites the slice, so a short lag is by design); the slices
//       of an appliance being deleted are left to the garbage collector
//   I2  an attested pod's gate turns False only for a fault of its own: a pod named as a fault's target
//   I3  after a fault the operator converges: same processes, every appliance observed and fully attested,
//       one child per kind, one scaled ReplicaSet (converged())
//   I4  the operator's RSS (VmRSS of /proc/<pid>/status, sampled at 1 Hz) returns within 10 % + 10 MiB of its
//       steady level, the highest of the minute before the fault (rssReturns, steadyRss)
// Violations are collected with timestamps; report() prints them, assertNone() fails the test with them.
import { CustomObjectsApi, DiscoveryV1Api, CoreV1Api, AppsV1Api, KubernetesObjectApi, type KubeConfig, type KubernetesObject, type V1EndpointSlice, type V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/group.js';
import { APPLIANCE_LABEL, ATTESTED_CONDITION } from '../../api/v1alpha1/labels.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { ResilientInformer } from '../../operator/manager/informer.js';
import { imageName } from '../cluster/kubelet/programs.js';
import { waitFor } from '../support/wait-for.js';

export type Invariant = 'I1' | 'I2' | 'I3' | 'I4';

export interface Violation {
  at: string;
  invariant: Invariant;
  detail: string;
}

export interface InvariantOptions {
  kc: KubeConfig;
  /** The operator processes expected alive (a killed leader is taken out by the test). */
  operatorPids(): number[];
  /** Images whose pods must never be attested (fixtures, by repository name). */
  hostileImages: readonly string[];
  /** How long a cordoned or deleted pod may still be listed ready; default 5 s. */
  graceMs?: number;
}

/** An injected fault: its name, when, and the pods it is aimed at (their cordoning is expected). */
export interface Fault {
  name: string;
  startedAt: number;
  targets: Set<string>;
}

/** The pods' r4.dev/attested gate: 'True', 'False' or undefined (no gate, or not yet set). */
export const gateOf = (pod: V1Pod) => pod.status?.conditions?.find((c) => c.type === ATTESTED_CONDITION);
const podKey = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
const hasGate = (pod: V1Pod) => pod.spec?.readinessGates?.some((g) => g.conditionType === ATTESTED_CONDITION) ?? false;

/** Resident set size of a process in bytes, or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** Children an appliance has exactly one of, by kind (Secrets vary: TLS, VRF keys). */
const ONE_EACH = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
] as const;

export class InvariantChecker {
  readonly violations: Violation[] = [];
  /** VmRSS samples per operator pid: [time, bytes]. */
  readonly rss = new Map<number, [number, number][]>();
  /** Longest time a cordoned or deleted pod stayed a ready endpoint (the operator's removal lag). */
  maxStaleEndpointMs = 0;
  private readonly pods = new Map<string, V1Pod>();
  private readonly everAttested = new Set<string>();
  private readonly gate = new Map<string, string | undefined>();
  /** First time an endpoint was seen ready while its pod was not attested: uid -> ms. */
  private readonly badSince = new Map<string, number>();
  private readonly retired = new Set<string>();
  private readonly reported = new Set<string>();
  private readonly targets = new Set<string>();
  private readonly informers: Pick<ResilientInformer<KubernetesObject>, 'start' | 'stop'>[] = [];
  private readonly slices: ResilientInformer<V1EndpointSlice>;
  private readonly appliances: ResilientInformer<KubernetesObject>;
  private timer: NodeJS.Timeout | undefined;
  private readonly graceMs: number;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly objects: KubernetesObjectApi;
  events = 0;
  private asserted = 0;

  private constructor(private readonly options: InvariantOptions) {
    this.graceMs = options.graceMs ?? 5000;
    const kc = options.kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const quiet = { info: () => undefined, warn: () => undefined };
    const pods = new ResilientInformer<V1Pod>(kc, { name: 'pods', path: '/api/v1/pods', list: () => this.core.listPodForAllNamespaces() }, (kind, pod) => this.podChanged(kind, pod), quiet);
    this.slices = new ResilientInformer<V1EndpointSlice>(
      kc,
      { name: 'endpointslices', path: '/apis/discovery.k8s.io/v1/endpointslices', list: () => discovery.listEndpointSliceForAllNamespaces() },
      () => this.sample(),
      quiet,
    );
    this.appliances = new ResilientInformer<KubernetesObject>(
      kc,
      {
        name: 'entropyappliances',
        path: `/apis/${GROUP}/${VERSION}/${PLURAL}`,
        list: () => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as never,
      },
      () => this.sample(),
      quiet,
    );
    this.informers.push(pods, this.slices, this.appliances);
  }

  static async start(options: InvariantOptions): Promise<InvariantChecker> {
    const checker = new InvariantChecker(options);
    for (const informer of checker.informers) await informer.start();
    checker.timer = setInterval(() => checker.tick(), 1000);
    checker.tick();
    return checker;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** A fault begins; its targets' cordoning is not a violation of I2 (nor, after the grace, their removal lag). */
  beginFault(name: string, targetUids: string[] = []): Fault {
    for (const uid of targetUids) this.targets.add(uid);
    return { name, startedAt: Date.now(), targets: new Set(targetUids) };
  }

  /**
   * The test is done with `namespace`: the harness deletes it next, and a namespace's deletion removes its
   * pods, appliances and slices in no order, so what its slices list from then on is not the operator's doing.
   */
  retire(namespace: string): void {
    this.retired.add(namespace);
  }

  /** Adds pods that a fault aims at after it began (a pod that only now exists). */
  target(uid: string): void {
    this.targets.add(uid);
  }

  private violate(invariant: Invariant, detail: string, onceKey?: string): void {
    if (onceKey !== undefined) {
      if (this.reported.has(onceKey)) return;
      this.reported.add(onceKey);
    }
    this.violations.push({ at: new Date().toISOString(), invariant, detail });
  }

  private podChanged(kind: string, pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (kind === 'delete') {
      this.pods.delete(uid);
    } else {
      this.pods.set(uid, pod);
      const status = gateOf(pod)?.status;
      if (status === 'True') this.everAttested.add(uid);
      const before = this.gate.get(uid);
      this.gate.set(uid, status);
      // I2: a gate that goes from True to False on a pod that no fault aims at, still running.
      if (before === 'True' && status === 'False' && !this.targets.has(uid) && !pod.metadata?.deletionTimestamp && !this.hostile(pod)) {
        const c = gateOf(pod);
        this.violate('I2', `attested pod ${podKey(pod)} cordoned without a fault of its own: ${c?.reason}: ${c?.message}`);
      }
    }
    this.sample();
  }

  private hostile(pod: V1Pod): boolean {
    return (pod.spec?.containers ?? []).some((c) => this.options.hostileImages.includes(imageName(c.image ?? '')));
  }

  /** I1 over every ready endpoint of every slice, now. */
  private sample(): void {
    this.events++;
    const now = Date.now();
    const bad = new Set<string>();
    const live = new Set(this.appliances.list().filter((a) => !a.metadata?.deletionTimestamp).map((a) => a.metadata?.uid));
    for (const slice of this.slices.list()) {
      // The slice of an appliance being deleted goes with it (garbage collection): the operator no longer
      // reconciles it, so its endpoints are not the operator's to remove.
      const owner = slice.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
      if (this.retired.has(slice.metadata?.namespace ?? '')) continue;
      if (slice.metadata?.deletionTimestamp || (owner !== undefined && this.appliances.synced && !live.has(owner) && slice.metadata?.ownerReferences?.some((r) => r.kind === 'EntropyAppliance'))) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready !== true || endpoint.targetRef?.kind !== 'Pod') continue;
        const uid = endpoint.targetRef.uid ?? '';
        const where = `EndpointSlice ${slice.metadata?.namespace}/${slice.metadata?.name} lists ${endpoint.addresses.join(',')}`;
        const pod = this.pods.get(uid);
        if (pod && this.hostile(pod)) {
          this.violate('I1', `${where} ready: pod ${podKey(pod)} runs hostile image ${pod.spec?.containers[0]?.image}`, `hostile ${uid} ${slice.metadata?.uid}`);
          continue;
        }
        if (pod && pod.status?.podIP && !endpoint.addresses.includes(pod.status.podIP)) {
          this.violate('I1', `${where} for pod ${podKey(pod)}, whose address is ${pod.status.podIP}`, `address ${uid} ${endpoint.addresses.join(',')}`);
        }
        if (pod && (!hasGate(pod) || gateOf(pod)?.status === 'True')) continue;
        bad.add(uid);
        const since = this.badSince.get(uid) ?? now;
        this.badSince.set(uid, since);
        const lag = now - since;
        const attestedBefore = this.everAttested.has(uid);
        // Never attested: only the ordering of two watches excuses it, briefly. Cordoned or deleted: the removal lag.
        const allowed = pod && !attestedBefore ? 1000 : this.graceMs;
        if (lag > allowed) {
          const what = !pod ? `deleted pod ${endpoint.targetRef.namespace}/${endpoint.targetRef.name}` : `pod ${podKey(pod)} (gate ${gateOf(pod)?.status ?? 'unset'}${attestedBefore ? ', attested earlier' : ', never attested'})`;
          this.violate('I1', `${where} ready for ${lag} ms while ${what}`, `stale ${uid}`);
        }
      }
    }
    for (const [uid, since] of this.badSince) {
      if (bad.has(uid)) continue;
      this.maxStaleEndpointMs = Math.max(this.maxStaleEndpointMs, now - since);
      this.badSince.delete(uid);
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const pid of this.options.operatorPids()) {
      const bytes = rssBytes(pid);
      if (bytes === undefined) continue;
      const samples = this.rss.get(pid) ?? [];
      samples.push([now, bytes]);
      this.rss.set(pid, samples);
    }
    if (this.slices.synced) this.sample();
  }

  /**
   * An operator's steady level before a fault: the highest VmRSS of the last `windowMs`. Not a median: for
   * minutes after it starts (or starts leading) the operator's heap still grows towards its plateau, and a
   * warming process's median is no level to return to; what a fault must not do is leave memory behind
   * above what the operator already held.
   */
  steadyRss(pid: number, windowMs = 60_000): number {
    const since = Date.now() - windowMs;
    return Math.max(0, ...(this.rss.get(pid) ?? []).filter(([t]) => t >= since).map(([, b]) => b));
  }

  /**
   * I4: waits (up to timeoutMs) for the operator's RSS to come back within 10 % + 10 MiB of `steady`.
   */
  async rssReturns(pid: number, steady: number, fault: string, timeoutMs = 60_000): Promise<number> {
    const limit = steady * 1.1 + 10 * 1048576;
    const deadline = Date.now() + timeoutMs;
    let current = rssBytes(pid) ?? 0;
    while (current > limit && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      current = rssBytes(pid) ?? 0;
    }
    const outcome = `after ${fault}: operator ${pid} RSS ${mib(current)} MiB (steady ${mib(steady)} MiB, limit ${mib(limit)} MiB, waited up to ${timeoutMs / 1000} s)`;
    if (current > limit) this.violate('I4', `${outcome}: did not return`);
    else process.stderr.write(`chaos: I4 ${outcome}\n`);
    return current;
  }

  /**
   * I3: the operators still run (same processes), and each appliance of `namespace` is observed at its
   * generation, with every replica attested, one child of each kind and one scaled ReplicaSet.
   */
  async converged(namespace: string, fault: string, timeoutMs = 90_000): Promise<void> {
    for (const pid of this.options.operatorPids()) {
      try {
        process.kill(pid, 0);
      } catch {
        this.violate('I3', `after ${fault}: operator process ${pid} is gone`);
      }
    }
    try {
      await waitFor(async () => {
        const problems = await this.convergenceProblems(namespace);
        return { ok: problems.length === 0, state: problems };
      }, timeoutMs, `the operator to converge after ${fault}`);
    } catch (error) {
      this.violate('I3', (error as Error).message);
    }
  }

  private async convergenceProblems(namespace: string): Promise<string[]> {
    const problems: string[] = [];
    const appliances = (await this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as { items: EntropyAppliance[] };
    const children = await Promise.all(ONE_EACH.map(async (kind) => ({ kind: kind.kind, items: (await this.objects.list(kind.apiVersion, kind.kind, namespace)).items })));
    const replicaSets = (await this.apps.listNamespacedReplicaSet({ namespace })).items;
    const pods = (await this.core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
    for (const a of appliances.items) {
      const name = a.metadata.name;
      const replicas = (a.spec as { replicas?: number }).replicas ?? 2;
      if (a.status?.observedGeneration !== a.metadata.generation) problems.push(`${name}: observedGeneration ${a.status?.observedGeneration} of ${a.metadata.generation}`);
      if (a.status?.attestedReplicas !== replicas) problems.push(`${name}: ${a.status?.attestedReplicas ?? 0} of ${replicas} attested`);
      for (const { kind, items } of children) {
        const owned = items.filter((o) => o.metadata?.ownerReferences?.some((r) => r.uid === a.metadata.uid && r.controller));
        if (owned.length !== 1) problems.push(`${name}: ${owned.length} ${kind} children (${owned.map((o) => o.metadata?.name).join(', ')})`);
      }
      const scaled = replicaSets.filter((rs) => rs.metadata?.labels?.[APPLIANCE_LABEL] === name && (rs.spec?.replicas ?? 0) > 0);
      if (scaled.length !== 1) problems.push(`${name}: ${scaled.length} scaled ReplicaSets`);
      const running = pods.filter((p) => p.metadata?.labels?.[APPLIANCE_LABEL] === name);
      if (running.length !== replicas) problems.push(`${name}: ${running.length} pods for ${replicas} replicas`);
    }
    return problems;
  }

  report(): string {
    const lines = this.violations.map((v) => `${v.at} ${v.invariant} ${v.detail}`);
    const rss = [...this.rss].map(([pid, s]) => `operator ${pid}: RSS ${mib(Math.min(...s.map(([, b]) => b)))}..${mib(Math.max(...s.map(([, b]) => b)))} MiB over ${s.length} samples`);
    return [
      `${this.violations.length} invariant violations; ${this.events} samples; longest stale endpoint ${this.maxStaleEndpointMs} ms`,
      ...lines,
      ...rss,
    ].join('\n');
  }

  /** Fails with the violations found since the last call (each with its time), when there is one. */
  assertNone(): void {
    const fresh = this.violations.slice(this.asserted);
    this.asserted = this.violations.length;
    if (fresh.length > 0) throw new Error(`${fresh.length} new invariant violations:\n${fresh.map((v) => `${v.at} ${v.invariant} ${v.detail}`).join('\n')}\n\n${this.report()}`);
  }
}
