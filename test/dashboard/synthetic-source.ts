// SyntheticFleet: a STAND-IN for the operator's FleetView (operator/dashboard/fleet-view.ts), which builds
// the same DashboardSource from real watches. The page's rendering path at 100 appliances and 1,000 pods
// needs that many pods, which the harness cannot run here (the scale issue builds stand-in pods); this
// source serves N appliances × M pods built from the API's own types, and changes them on request, with
// the stream messages the real view sends.
import type { ApplianceDetail, ApplianceState, ApplianceSummary, DashboardPod, Fleet, StreamMessage, VerdictChange } from '../../api/dashboard/v1.js';
import type { Verdict } from '../../api/v1alpha1/verdicts.js';
import type { DashboardSource } from '../../operator/dashboard/source.js';

export interface SyntheticFleetOptions {
  appliances: number;
  podsPerAppliance: number;
  /** Namespaces the appliances are spread over, round-robin. */
  namespaces?: readonly string[];
  replica?: string;
  leader?: boolean;
}

const hex = (seed: number) => Array.from({ length: 8 }, (_, i) => ((seed * 2654435761 + i * 40503) >>> 0).toString(16).padStart(8, '0')).join('');
const START = Date.parse('2026-11-01T00:00:00Z');

interface SyntheticAppliance {
  detail: ApplianceDetail;
}

export class SyntheticFleet implements DashboardSource {
  private revision = 1;
  private isSynced = true;
  private readonly appliances = new Map<string, SyntheticAppliance>();
  private readonly listeners = new Set<(message: StreamMessage) => void>();
  readonly replica: string;
  leader: boolean;

  constructor(options: SyntheticFleetOptions) {
    const namespaces = options.namespaces ?? ['team-a', 'team-b', 'team-c', 'payments'];
    this.replica = options.replica ?? 'r4-operator-synthetic-0';
    this.leader = options.leader ?? true;
    for (let a = 0; a < options.appliances; a++) {
      const namespace = namespaces[a % namespaces.length] as string;
      const name = `appliance-${String(a).padStart(3, '0')}`;
      const core = hex(a + 1);
      const image = `sha256:${hex(a + 1000)}`;
      const checked = new Date(START + 29 * 86_400_000).toISOString();
      const pods = Array.from({ length: options.podsPerAppliance }, (_, p): DashboardPod => ({
        name: `${name}-${String(p).padStart(4, '0')}`,
        node: `node-${p % 7}`,
        podIP: `10.${a % 250}.${Math.floor(p / 250)}.${(p % 250) + 2}`,
        phase: 'Running',
        ready: true,
        imageDigest: image,
        expectedImageDigest: image,
        coreSha256: core,
        expectedCoreSha256: core,
        integrity: 'ok',
        selftest: 'pass',
        mode: 'sealed',
        verdict: 'Attested',
        reason: 'Attested',
        message: 'the core hash, integrity and self-test match',
        consecutiveFailures: 0,
        lastChecked: checked,
        verdictSince: new Date(START + a * 3_600_000).toISOString(),
      }));
      const history: VerdictChange[] = pods.map((p) => ({ pod: p.name, at: p.verdictSince as string, verdict: 'Attested', reason: 'Attested', message: '', source: 'status' }));
      const detail: ApplianceDetail = {
        revision: this.revision,
        summary: { namespace, name, state: 'Trusted', stateReason: 'Attested', stateMessage: '', replicas: pods.length, pods: 0, attested: 0, cordoned: 0, pending: 0, available: 0, coreSha256: core, imageDigest: image, createdAt: new Date(START + a * 60_000).toISOString() },
        pods,
        conditions: [{ type: 'Available', status: 'True', lastTransitionTime: new Date(START).toISOString(), reason: 'Attested', message: 'attested pods serve' }],
        events: [{ uid: `e-${a}`, type: 'Normal', reason: 'Attested', message: `${pods.length} pods attested`, object: `EntropyAppliance/${name}`, count: 1, at: new Date(START + a * 3_600_000).toISOString() }],
        history,
        vrf: {
          keys: {
            suite: 'ECVRF-EDWARDS25519-SHA512-TAI',
            signature_algorithm: 'ML-DSA-65',
            appliance: `${namespace}/${name}`,
            keys: [{ key_id: `k-${hex(a).slice(0, 8)}`, status: 'current', active_from: new Date(START).toISOString(), created_at: new Date(START).toISOString(), vrf_public_key: hex(a + 7), vrf_public_key_sha256: hex(a + 8), public_key: 'AAAA', public_key_sha256: hex(a + 9), core_sha256: core }],
            beacon: { chain_id: hex(a + 10).slice(0, 16), period_seconds: 30, genesis: new Date(START).toISOString() },
          },
          latestRound: Math.floor((Date.now() - START) / 30_000),
          latestRoundAt: new Date(START + Math.floor((Date.now() - START) / 30_000) * 30_000).toISOString(),
        },
      };
      detail.summary = summarize(detail.summary, pods);
      this.appliances.set(`${namespace}/${name}`, { detail });
    }
  }

  synced(): boolean {
    return this.isSynced;
  }

  setSynced(synced: boolean): void {
    this.isSynced = synced;
  }

  fleet(): Fleet {
    return { revision: this.revision, replica: this.replica, leader: this.leader, appliances: [...this.appliances.values()].map((a) => a.detail.summary) };
  }

  appliance(namespace: string, name: string): ApplianceDetail | undefined {
    const found = this.appliances.get(`${namespace}/${name}`);
    return found && structuredClone({ ...found.detail, revision: this.revision });
  }

  status(): { revision: number; replica: string; leader: boolean } {
    return { revision: this.revision, replica: this.replica, leader: this.leader };
  }

  subscribe(listener: (message: StreamMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many streams listen now (a test waits for the page to be back after a reconnect). */
  subscribers(): number {
    return this.listeners.size;
  }

  /** Every appliance's namespace/name, in creation order. */
  keys(): string[] {
    return [...this.appliances.keys()];
  }

  /** Sets one pod's verdict as the operator would, and streams the three messages the real view sends. */
  setVerdict(namespace: string, name: string, podName: string, change: { verdict: Verdict; reason: string; message?: string; coreSha256?: string }): void {
    const appliance = this.appliances.get(`${namespace}/${name}`);
    const index = appliance?.detail.pods.findIndex((p) => p.name === podName) ?? -1;
    if (!appliance || index < 0) throw new Error(`no pod ${podName} in ${namespace}/${name}`);
    const detail = appliance.detail;
    const at = new Date().toISOString();
    const pod: DashboardPod = {
      ...(detail.pods[index] as DashboardPod),
      verdict: change.verdict,
      reason: change.reason,
      message: change.message ?? '',
      ready: change.verdict === 'Attested',
      consecutiveFailures: change.verdict === 'Attested' ? 0 : 1,
      lastChecked: at,
      verdictSince: at,
      ...(change.coreSha256 && { coreSha256: change.coreSha256 }),
    };
    detail.pods[index] = pod;
    detail.summary = summarize(detail.summary, detail.pods);
    const verdictChange: VerdictChange = { pod: podName, at, verdict: change.verdict, reason: change.reason, message: change.message ?? '', source: 'status' };
    detail.history.unshift(verdictChange);
    this.emit({ type: 'pods', data: { revision: ++this.revision, namespace, name, upserted: [pod], removed: [] } });
    this.emit({ type: 'appliance', data: { revision: ++this.revision, summary: detail.summary } });
    this.emit({ type: 'verdict-change', data: { revision: ++this.revision, namespace, name, change: verdictChange } });
  }

  private emit(message: StreamMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}

/** The appliance's counts and state from its pods, by the rules api/dashboard/v1.ts states for APPLIANCE_STATES. */
function summarize(summary: ApplianceSummary, pods: readonly DashboardPod[]): ApplianceSummary {
  const count = (verdict: Verdict) => pods.filter((p) => p.verdict === verdict).length;
  const attested = count('Attested');
  const cordoned = count('Cordoned');
  const pending = count('Pending');
  const available = pods.filter((p) => p.ready).length;
  const state: ApplianceState = available === 0 ? 'Unavailable' : cordoned > 0 ? 'Degraded' : pending > 0 ? 'Progressing' : 'Trusted';
  const stateReason = state === 'Degraded' ? 'PodsCordoned' : state === 'Unavailable' ? 'NoAttestedPods' : state === 'Progressing' ? 'AwaitingFirstProbe' : 'Attested';
  return { ...summary, pods: pods.length, attested, cordoned, pending, available, state, stateReason, stateMessage: cordoned > 0 ? `${cordoned} pod(s) cordoned` : '' };
}
