// How a verdict shows on a pod: the readiness-gate condition r4.dev/attested (True only for an attested
// pod, so the kubelet keeps every other pod out of the Service's endpoints) and the label
// r4.dev/cordoned=true on cordoned pods, for people and selectors.
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { ATTESTED_CONDITION, CORDONED_LABEL } from '../../api/v1alpha1/labels.js';
import type { PodAttestation } from '../attestation/verdict.js';

export interface GatePatch {
  /** The condition to merge into status.conditions, or undefined when it already says this. */
  condition?: V1PodCondition;
  /** The label value to set ('true'), null to remove it, or undefined when it is already right. */
  label?: 'true' | null;
}

export function gatePatch(pod: V1Pod, attestation: PodAttestation, now: Date): GatePatch {
  const status = attestation.verdict === 'Attested' ? 'True' : 'False';
  const current = pod.status?.conditions?.find((c) => c.type === ATTESTED_CONDITION);
  const patch: GatePatch = {};
  if (!current || current.status !== status || current.reason !== attestation.reason || current.message !== attestation.message) {
    patch.condition = {
      type: ATTESTED_CONDITION,
      status,
      reason: attestation.reason,
      message: attestation.message,
      lastProbeTime: now,
      lastTransitionTime: current && current.status === status && current.lastTransitionTime ? current.lastTransitionTime : now,
    };
  }
  const labelled = pod.metadata?.labels?.[CORDONED_LABEL] === 'true';
  const cordoned = attestation.verdict === 'Cordoned';
  if (cordoned && !labelled) patch.label = 'true';
  if (!cordoned && labelled) patch.label = null;
  return patch;
}
