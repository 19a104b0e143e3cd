// What an appliance's status should say, computed from what the operator observes: pure, so the
// messages a person reads on a dashboard are unit-tested.
import { mergeConditions, type Condition, type DesiredCondition } from '../../api/v1alpha1/conditions.js';
import type { EntropyApplianceStatus, PodStatusEntry } from '../../api/v1alpha1/types.js';
import type { PodAttestation } from '../attestation/verdict.js';
import { canonical } from './canonical.js';
import { conflictMessage, type ChildConflict, type Refusal } from './admission.js';

export interface ObservedPod {
  name: string;
  podIP?: string;
  imageID?: string;
  ready: boolean;
  attestation: PodAttestation;
  lastChecked?: string;
}

export interface ObservedDeployment {
  observedGeneration: number;
  /** The Deployment's own generation: its controller has seen the newest spec when they match. */
  generation: number;
  updatedReplicas: number;
  replicas: number;
}

export interface StatusInput {
  generation: number;
  expectedCoreSha256: string;
  imageDigest: string;
  /** The digest of the pods being replaced, while a rollout from it is under way. */
  previousImageDigest?: string;
  desiredReplicas: number;
  /** The appliance's live pods (terminating ones excluded). */
  pods: readonly ObservedPod[];
  deployment?: ObservedDeployment;
  current?: EntropyApplianceStatus;
  /** What is refused about the spec: no Deployment is created or updated. */
  refusals?: readonly Refusal[];
  /** Objects of a child's name that are not the appliance's, left alone. */
  conflicts?: readonly ChildConflict[];
  /** status.vrf: the public VRF keys (undefined while there are none to serve). */
  vrf?: EntropyApplianceStatus['vrf'];
  /** What is wrong with the VRF keys (operator/vrf/keys-plan.ts). */
  vrfProblem?: { reason: string; message: string };
  now: Date;
}

/** Whether the Deployment has not yet replaced every pod with one of its newest template. */
export function rollingOut(deployment: ObservedDeployment | undefined, desiredReplicas: number): boolean {
  return (
    deployment === undefined ||
    deployment.observedGeneration < deployment.generation ||
    deployment.updatedReplicas < desiredReplicas ||
    deployment.replicas > desiredReplicas
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "a (HashMismatch), b (Unreachable)" — names and reasons of cordoned pods, bounded in length. */
function cordonSummary(pods: readonly ObservedPod[]): string {
  const listed = pods.slice(0, 5).map((p) => `${p.name} (${p.attestation.reason})`);
  return listed.join(', ') + (pods.length > 5 ? `, and ${pods.length - 5} more` : '');
}

/** An entry without its times, to tell whether a probe changed anything about the pod. */
function judged(entry: PodStatusEntry): string {
  const { lastChecked: _checked, verdictSince: _since, ...rest } = entry;
  return canonical(rest);
}

/**
 * The entry of a pod: its verdict keeps the time it began, from the current status, until it changes; and
 * lastChecked moves only with the entry (a probe that confirms what the status says writes nothing).
 */
function podEntry(pod: ObservedPod, current: readonly PodStatusEntry[], now: Date): PodStatusEntry {
  const a = pod.attestation;
  const before = current.find((p) => p.name === pod.name);
  const verdictSince = before?.verdict === a.verdict && before.verdictSince ? before.verdictSince : now.toISOString();
  const reported = a.reported;
  const entry: PodStatusEntry = {
    name: pod.name,
    ...(pod.podIP && { podIP: pod.podIP }),
    ...(pod.imageID && { imageID: pod.imageID }),
    ...(reported && {
      integrity: reported.integrity,
      selftest: reported.selftest,
      mode: reported.mode,
      ...(reported.coreSha256 !== null && { coreSha256: reported.coreSha256 }),
    }),
    ...(a.binding && { containerID: a.binding.containerId, attestationKey: a.binding.key }),
    verdict: a.verdict,
    reason: a.reason,
    message: a.message,
    verdictSince,
    consecutiveFailures: a.consecutiveFailures,
  };
  const lastChecked = before !== undefined && judged(before) === judged(entry) ? before.lastChecked : pod.lastChecked;
  return { ...entry, ...(lastChecked && { lastChecked }) };
}

function desiredConditions(input: StatusInput, attested: ObservedPod[], cordoned: ObservedPod[], pending: ObservedPod[]): DesiredCondition[] {
  const { generation: observedGeneration, pods, deployment, desiredReplicas } = input;
  const total = pods.length;

  const available: DesiredCondition =
    attested.length > 0
      ? { type: 'Available', status: 'True', reason: 'Attested', message: `${attested.length} of ${plural(total, 'pod')} attested and serving`, observedGeneration }
      : {
          type: 'Available',
          status: 'False',
          reason: cordoned.length > 0 ? 'NoAttestedPods' : 'AwaitingAttestation',
          message:
            total === 0
              ? 'no entropy pods exist yet'
              : cordoned.length > 0
                ? `no pod is attested; cordoned: ${cordonSummary(cordoned)}. First cause: ${cordoned[0]?.attestation.message}`
                : `${plural(pending.length, 'pod')} await their first attestation`,
          observedGeneration,
        };

  // A refusal or a conflict is what a person must act on first: it leads, the cordoned pods follow.
  const problems: { reason: string; message: string }[] = [
    ...(input.refusals ?? []),
    ...(input.conflicts ?? []).map((c) => ({ reason: 'ChildConflict' as const, message: conflictMessage(c) })),
    ...(input.vrfProblem ? [input.vrfProblem] : []),
  ];
  const refused = (input.refusals ?? []).length > 0;
  const degraded: DesiredCondition = problems.length > 0
    ? {
        type: 'Degraded',
        status: 'True',
        reason: problems[0]?.reason ?? 'ChildConflict',
        message: [...problems.map((p) => p.message), ...(cordoned.length > 0 ? [`${plural(cordoned.length, 'pod')} cordoned: ${cordonSummary(cordoned)}`] : [])].join('; '),
        observedGeneration,
      }
    : cordoned.length > 0
      ? { type: 'Degraded', status: 'True', reason: 'PodsCordoned', message: `${plural(cordoned.length, 'pod')} cordoned: ${cordonSummary(cordoned)}`, observedGeneration }
      : { type: 'Degraded', status: 'False', reason: 'NoPodsCordoned', message: 'no pod is cordoned', observedGeneration };

  const progressing: DesiredCondition = refused
    ? { type: 'Progressing', status: 'False', reason: problems[0]?.reason ?? 'ImageNotAllowed', message: 'the spec is refused (see Degraded): the Deployment is neither created nor updated', observedGeneration }
    : rollingOut(deployment, desiredReplicas)
    ? {
        type: 'Progressing',
        status: 'True',
        reason: 'RollingOut',
        message: deployment ? `${deployment.updatedReplicas} of ${desiredReplicas} pods updated` : 'creating the Deployment',
        observedGeneration,
      }
    : pending.length > 0
      ? { type: 'Progressing', status: 'True', reason: 'AwaitingAttestation', message: `${plural(pending.length, 'pod')} await their first attestation`, observedGeneration }
      : { type: 'Progressing', status: 'False', reason: 'Stable', message: `all ${plural(total, 'pod')} are up to date and judged`, observedGeneration };

  return [available, progressing, degraded];
}

export function nextStatus(input: StatusInput): EntropyApplianceStatus {
  const pods = [...input.pods].sort((a, b) => a.name.localeCompare(b.name));
  const attested = pods.filter((p) => p.attestation.verdict === 'Attested');
  const cordoned = pods.filter((p) => p.attestation.verdict === 'Cordoned');
  const pending = pods.filter((p) => p.attestation.verdict === 'Pending');
  const conditions: Condition[] = mergeConditions(input.current?.conditions ?? [], desiredConditions({ ...input, pods }, attested, cordoned, pending), input.now);
  return {
    observedGeneration: input.generation,
    expectedCoreSha256: input.expectedCoreSha256,
    imageDigest: input.imageDigest,
    ...(input.previousImageDigest && { previousImageDigest: input.previousImageDigest }),
    replicas: pods.length,
    readyReplicas: pods.filter((p) => p.ready).length,
    attestedReplicas: attested.length,
    cordonedReplicas: cordoned.length,
    conditions,
    pods: pods.map((p) => podEntry(p, input.current?.pods ?? [], input.now)),
    ...(input.vrf && { vrf: input.vrf }),
  };
}
