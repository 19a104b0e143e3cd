// What the dashboard shows, computed from the objects a replica watches: an appliance (its status is the
// leader's judgment of every pod), its pods (node, phase, readiness from the kubelet) and the Events the
// operator recorded. Pure, so every rule a security team reads is unit-tested.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { ApplianceState, ApplianceSummary, DashboardEvent, DashboardPod, DashboardVrf, VerdictChange } from '../../api/dashboard/v1.js';
import { SPEC_DEFAULTS } from '../../api/v1alpha1/defaults.js';
import type { EntropyAppliance, PodStatusEntry } from '../../api/v1alpha1/types.js';
import type { Verdict } from '../../api/v1alpha1/verdicts.js';
import { currentRound, roundStartMs } from '../../vrf/beacon.js';

const iso = (t: string | Date | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** The digest part of what the kubelet reports (`repo@sha256:…`, `sha256:…` or `docker-pullable://…@sha256:…`). */
export function digestOf(imageID: string | undefined): string | undefined {
  const match = /(sha256:[0-9a-f]{64})$/.exec(imageID ?? '');
  return match?.[1];
}

const isReady = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** A pod of a ReplicaSet: one of the appliance's own (pods that merely carry its label are never shown). */
const ownedByReplicaSet = (pod: V1Pod) => (pod.metadata?.ownerReferences ?? []).some((r) => r.kind === 'ReplicaSet' && r.controller);

/**
 * One row per pod the status judges, beside what the kubelet says of it; a pod the status has not judged
 * yet (just created) shows as Pending.
 */
export function podRows(appliance: EntropyAppliance, pods: readonly V1Pod[]): DashboardPod[] {
  const status = appliance.status;
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const entries: PodStatusEntry[] = [...(status?.pods ?? [])];
  const judged = new Set(entries.map((e) => e.name));
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (!judged.has(name) && ownedByReplicaSet(pod) && !pod.metadata?.deletionTimestamp) {
      entries.push({ name, verdict: 'Pending', reason: 'AwaitingFirstProbe', message: 'the operator has not judged this pod yet', consecutiveFailures: 0 });
    }
  }
  return entries
    .map((entry): DashboardPod => {
      const pod = byName.get(entry.name);
      const imageDigest = digestOf(entry.imageID ?? pod?.status?.containerStatuses?.[0]?.imageID);
      // During a rollout the operator accepts the digest being replaced for the pods that run it.
      const previous = status?.previousImageDigest;
      const expectedImageDigest = previous !== undefined && imageDigest === previous ? previous : (status?.imageDigest ?? '');
      const podIP = entry.podIP ?? pod?.status?.podIP;
      return {
        name: entry.name,
        ...(pod?.spec?.nodeName && { node: pod.spec.nodeName }),
        ...(podIP && { podIP }),
        phase: pod ? (pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Unknown')) : 'Gone',
        ready: isReady(pod),
        ...(imageDigest && { imageDigest }),
        expectedImageDigest,
        ...(entry.coreSha256 && { coreSha256: entry.coreSha256 }),
        expectedCoreSha256: status?.expectedCoreSha256 ?? '',
        ...(entry.integrity && { integrity: entry.integrity }),
        ...(entry.selftest && { selftest: entry.selftest }),
        ...(entry.mode && { mode: entry.mode }),
        verdict: entry.verdict,
        reason: entry.reason ?? '',
        message: entry.message ?? '',
        consecutiveFailures: entry.consecutiveFailures ?? 0,
        ...(entry.lastChecked && { lastChecked: entry.lastChecked }),
        ...(entry.verdictSince && { verdictSince: entry.verdictSince }),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The state in one word: what is wrong first (no traffic, then cordoned pods or a refused spec), then change under way. */
function state(appliance: EntropyAppliance): { state: ApplianceState; stateReason: string; stateMessage: string } {
  const conditions = appliance.status?.conditions ?? [];
  const find = (type: string) => conditions.find((c) => c.type === type);
  const available = find('Available');
  const degraded = find('Degraded');
  const progressing = find('Progressing');
  if (!available) return { state: 'Progressing', stateReason: 'NotReconciled', stateMessage: 'the operator has not reported on this appliance yet' };
  if (available.status !== 'True') return { state: 'Unavailable', stateReason: available.reason, stateMessage: available.message };
  if (degraded?.status === 'True') return { state: 'Degraded', stateReason: degraded.reason, stateMessage: degraded.message };
  if (progressing?.status === 'True') return { state: 'Progressing', stateReason: progressing.reason, stateMessage: progressing.message };
  return { state: 'Trusted', stateReason: available.reason, stateMessage: available.message };
}

export function summary(appliance: EntropyAppliance, rows: readonly DashboardPod[]): ApplianceSummary {
  const count = (verdict: Verdict) => rows.filter((r) => r.verdict === verdict && r.phase !== 'Gone').length;
  const status = appliance.status;
  return {
    namespace: appliance.metadata.namespace ?? 'default',
    name: appliance.metadata.name,
    ...state(appliance),
    replicas: appliance.spec.replicas ?? SPEC_DEFAULTS.replicas,
    pods: rows.filter((r) => r.phase !== 'Gone').length,
    attested: count('Attested'),
    cordoned: count('Cordoned'),
    pending: count('Pending'),
    available: status?.readyReplicas ?? 0,
    ...(status?.expectedCoreSha256 && { coreSha256: status.expectedCoreSha256 }),
    ...(status?.imageDigest && { imageDigest: status.imageDigest }),
    createdAt: iso(appliance.metadata.creationTimestamp) ?? new Date(0).toISOString(),
  };
}

/** The VRF keys the appliance publishes and the beacon round in progress at `nowMs`. */
export function vrfView(appliance: EntropyAppliance, nowMs: number): DashboardVrf | undefined {
  const keys = appliance.status?.vrf;
  if (!keys) return undefined;
  const schedule = { genesisMs: Date.parse(keys.beacon.genesis), periodSeconds: keys.beacon.period_seconds };
  if (!Number.isFinite(schedule.genesisMs) || !(schedule.periodSeconds > 0)) return { keys, latestRound: 0 };
  const latestRound = currentRound(schedule, nowMs);
  return { keys, latestRound, ...(latestRound > 0 && { latestRoundAt: new Date(roundStartMs(schedule, latestRound)).toISOString() }) };
}

/** An Event the operator recorded on an appliance, as the dashboard lists it. */
export function dashboardEvent(event: CoreV1Event): DashboardEvent {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return {
    uid: event.metadata?.uid ?? `${event.metadata?.namespace}/${event.metadata?.name}`,
    type: event.type === 'Warning' ? 'Warning' : 'Normal',
    reason: event.reason ?? '',
    message: event.message ?? '',
    object: `${event.involvedObject?.kind ?? ''}/${event.involvedObject?.name ?? ''}`,
    count: Math.max(1, event.count ?? 1),
    at: iso(at as string | Date | undefined) ?? new Date(0).toISOString(),
  };
}

/**
 * The verdict change an Event on an appliance tells of, if it tells of one: the operator records
 * "pod <name>: …" with reason PodAttested or PodCordoned ("<reason>: <message>") for each change.
 */
export function verdictChangeFromEvent(event: DashboardEvent): VerdictChange | undefined {
  const match = /^pod (\S+): ([\s\S]*)$/.exec(event.message);
  if (!match) return undefined;
  const [, pod = '', rest = ''] = match;
  if (event.reason === 'PodAttested') return { pod, at: event.at, verdict: 'Attested', reason: 'Attested', message: rest, source: 'event' };
  if (event.reason === 'PodCordoned') {
    const cause = /^([A-Za-z]+): ([\s\S]*)$/.exec(rest);
    return { pod, at: event.at, verdict: 'Cordoned', reason: cause?.[1] ?? 'Cordoned', message: cause?.[2] ?? rest, source: 'event' };
  }
  return undefined;
}

/** A row's verdict as the history records it. */
export function verdictChangeFromRow(row: DashboardPod, nowIso: string): VerdictChange {
  return { pod: row.name, at: row.verdictSince ?? nowIso, verdict: row.verdict, reason: row.reason, message: row.message, source: 'status' };
}
