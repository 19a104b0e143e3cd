// The decision half of a reconcile, pure: from what the operator observes (the appliance, its children and
// pods in the informer caches, each pod's attestation, its certificate) and the time, what to do —
// children to apply (the EndpointSlice of attested pods and the CA bundle among them), a certificate to
// issue, pod gates and labels to patch, a pod to evict, the status to write — and when to look again.
// act.ts does it.
import { createHash } from 'node:crypto';
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { EntropyAppliance, EntropyApplianceStatus } from '../../api/v1alpha1/types.js';
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import { RENDERED_HASH_ANNOTATION } from '../../api/v1alpha1/labels.js';
import type { PodRecord } from '../attestation/attestor.js';
import { PENDING } from '../attestation/verdict.js';
import { evictionGraceMs } from '../cordon/eviction.js';
import { gatePatch } from '../cordon/gate.js';
import { planVrfKeys, type ObservedVrfKeys, type VrfKeysAction, type VrfKeysPlan } from '../vrf/keys-plan.js';
import type { ChildConflict, Refusal } from './admission.js';
import { canonical } from './canonical.js';
import { caBundle, desiredChildren, endpointSlice, networkPolicy, type OwnedObject } from './children.js';
import { nextStatus, rollingOut, type ObservedDeployment, type ObservedPod } from './status.js';

/** Even unchanged children are re-applied this often, which undoes drift made by others. */
export const REAPPLY_AFTER_MS = 5 * 60_000;

/**
 * An appliance's own re-apply period: REAPPLY_AFTER_MS ± 20 %, fixed by a hash of its uid, so the
 * appliances a new leader applied all at once do not all re-apply in the same minute ever after.
 */
export function reapplyPeriodMs(applianceUid: string | undefined): number {
  const fraction = createHash('sha256').update(applianceUid ?? '').digest().readUInt32BE(0) / 2 ** 32;
  return Math.round(REAPPLY_AFTER_MS * (0.8 + 0.4 * fraction));
}
/** A safety net under the watches: every appliance is reconciled at least this often. */
export const RESYNC_MS = 60_000;
/** Overdue pods are evicted one at a time, this far apart (and a refused eviction is retried after it). */
export const EVICTION_SPACING_MS = 5_000;
/**
 * A refused spec or a conflicting object is looked at again this often: the operator watches neither
 * Secrets nor objects that are not its own, so it would not hear of the fix.
 */
export const RECHECK_REFUSED_MS = 10_000;

export interface Observed {
  appliance: EntropyAppliance;
  /** The appliance's spec with every default applied, resolved once for the whole reconcile. */
  spec: ResolvedSpec;
  /** The rendered-hash annotation of a live child, or undefined when the child does not exist. */
  liveChildHash(kind: string, name: string): string | undefined;
  /** When this operator last applied the children (ms since the epoch); undefined: never. */
  lastAppliedAt: number | undefined;
  /** The appliance's own pods (those of its ReplicaSets) that are not terminating. */
  pods: readonly V1Pod[];
  deployment?: ObservedDeployment;
  tls: ObservedTls;
  /** The operator's namespace: its pods always may reach the entropy pods (they are probed from there). */
  operatorNamespace: string;
  /** What the operator refuses about this spec (admission.ts): the Deployment is then neither created nor updated. */
  refusals: readonly Refusal[];
  /** Objects of a child's name that are not this appliance's, found by the last apply: left alone. */
  conflicts: readonly ChildConflict[];
  /** The VRF keys Secret, the rotation asked for, the last failed keygen. */
  vrfKeys: ObservedVrfKeys;
}

/** The appliance's certificate as observed: none (TLS off), the operator's to issue, or the user's Secret. */
export type ObservedTls =
  | { kind: 'off' }
  /** renewal: why a new certificate is needed now, or undefined while the current one is good. */
  | { kind: 'issued'; caPem: string; renewal?: string }
  | { kind: 'user'; secretName: string; found: boolean; caPem?: string };

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

export interface PodPatch {
  pod: PodRef;
  condition?: V1PodCondition;
  label?: 'true' | null;
}

export interface Plan {
  apply: OwnedObject[];
  /** Issue (or renew) the appliance's certificate first, for this reason. */
  certificate?: { reason: string };
  /** Make a VRF key and write the keys Secret, before the children (the pods mount it). */
  vrfKeys?: VrfKeysAction;
  /** What is wrong with the VRF keys (the Degraded condition says it too). */
  vrfProblem?: VrfKeysPlan['problem'];
  podPatches: PodPatch[];
  /** At most one pod at a time: the PodDisruptionBudget decides whether it may go. */
  evictions: { pod: PodRef; cordonedForMs: number }[];
  /** The new status, or undefined when the current one already says it. */
  status?: EntropyApplianceStatus;
  /** Reconcile again after this many milliseconds at the latest. */
  requeueAfter: number;
}

const refOf = (pod: V1Pod): PodRef => ({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' });

function observePod(pod: V1Pod, record: PodRecord): ObservedPod {
  const containerStatus = pod.status?.containerStatuses?.[0];
  return {
    name: pod.metadata?.name ?? '',
    ...(pod.status?.podIP && { podIP: pod.status.podIP }),
    ...(containerStatus?.imageID && { imageID: containerStatus.imageID }),
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    attestation: record.attestation,
    ...(record.lastChecked && { lastChecked: record.lastChecked }),
  };
}

export function plan(observed: Observed, attestations: ReadonlyMap<string, PodRecord>, now: number): Plan {
  const { appliance, spec, pods } = observed;
  const recordOf = (pod: V1Pod): PodRecord => attestations.get(pod.metadata?.uid ?? '') ?? { attestation: PENDING };
  const delays = [RESYNC_MS];
  const vrf = planVrfKeys(observed.vrfKeys, spec, now);
  if (vrf.requeueAfter !== undefined) delays.push(vrf.requeueAfter);

  const attested = pods.filter((pod) => recordOf(pod).attestation.verdict === 'Attested');
  const caPem = observed.tls.kind === 'off' ? undefined : observed.tls.caPem;
  // The policy first, so no entropy pod is ever reachable by more than it allows.
  const desired = [
    ...(caPem ? [caBundle(appliance, spec, caPem)] : []),
    networkPolicy(appliance, spec, observed.operatorNamespace),
    ...desiredChildren(appliance, spec, { vrfKeys: vrf.mount }).filter((child) => observed.refusals.length === 0 || child.kind !== 'Deployment'),
    endpointSlice(appliance, spec, attested),
  ];
  const reapplyAfter = reapplyPeriodMs(appliance.metadata.uid);
  const reapplyDue = observed.lastAppliedAt === undefined ? 0 : observed.lastAppliedAt + reapplyAfter - now;
  const apply =
    reapplyDue <= 0
      ? desired
      : desired.filter((child) => observed.liveChildHash(child.kind, child.metadata.name) !== child.metadata.annotations[RENDERED_HASH_ANNOTATION]);
  delays.push(apply.length > 0 ? reapplyAfter : reapplyDue);
  if (observed.refusals.length > 0 || observed.conflicts.length > 0) delays.push(RECHECK_REFUSED_MS);

  const podPatches: PodPatch[] = [];
  for (const pod of pods) {
    const patch = gatePatch(pod, recordOf(pod).attestation, new Date(now));
    if (patch.condition || patch.label !== undefined) podPatches.push({ pod: refOf(pod), ...patch });
  }

  const evictions: Plan['evictions'] = [];
  if (spec.attestation.evictCordoned) {
    const graceMs = evictionGraceMs(spec.attestation.intervalSeconds, spec.attestation.failureThreshold);
    for (const pod of pods) {
      const since = recordOf(pod).cordonedSince;
      if (since === undefined) continue;
      const dueIn = since + graceMs - now;
      if (dueIn >= 0) delays.push(dueIn);
      else if (evictions.length === 0) evictions.push({ pod: refOf(pod), cordonedForMs: now - since });
      else delays.push(EVICTION_SPACING_MS);
    }
  }

  // Pods of the digest before a change keep serving (if attested) until the rollout has replaced them.
  const current = appliance.status;
  const previousImageDigest =
    current?.imageDigest !== undefined && current.imageDigest !== spec.imageDigest
      ? current.imageDigest
      : rollingOut(observed.deployment, spec.replicas)
        ? current?.previousImageDigest
        : undefined;
  const status = nextStatus({
    generation: appliance.metadata.generation ?? 0,
    expectedCoreSha256: spec.expectedCoreSha256,
    imageDigest: spec.imageDigest,
    ...(previousImageDigest && { previousImageDigest }),
    desiredReplicas: spec.replicas,
    pods: pods.map((pod) => observePod(pod, recordOf(pod))),
    ...(observed.deployment && { deployment: observed.deployment }),
    ...(appliance.status && { current: appliance.status }),
    refusals: observed.refusals,
    conflicts: observed.conflicts,
    ...(vrf.status && { vrf: vrf.status }),
    ...(vrf.problem && { vrfProblem: vrf.problem }),
    now: new Date(now),
  });
  const changed = canonical(status) !== canonical(appliance.status ?? {});

  const certificate = observed.tls.kind === 'issued' && observed.tls.renewal ? { reason: observed.tls.renewal } : undefined;
  return { apply, ...(certificate && { certificate }), ...(vrf.action && { vrfKeys: vrf.action }), ...(vrf.problem && { vrfProblem: vrf.problem }), podPatches, evictions, ...(changed && { status }), requeueAfter: Math.max(0, Math.min(...delays)) };
}
