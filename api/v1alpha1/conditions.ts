// The appliance's conditions (metav1.Condition) and their bookkeeping: a condition's lastTransitionTime
// moves only when its status changes, so dashboards and alerts see real transitions, not churn.

/** Available: some pod is attested and serving. Progressing: a rollout or a first attestation is under way. Degraded: some pod is cordoned, or part of the spec is refused. */
export const CONDITION_TYPES = ['Available', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/**
 * Why the operator refuses part of what an appliance asks, as the Degraded condition's reason (and an
 * Event's): its image is outside the operator's allowed repositories; a Secret it names is not labelled
 * for r4 (so nothing is mounted); an object with a child's name exists that is not this appliance's (it
 * is left alone).
 */
export const REFUSAL_REASONS = ['ImageNotAllowed', 'SecretNotAllowed', 'ChildConflict'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export type DesiredCondition = Omit<Condition, 'lastTransitionTime'>;

/** Merges desired conditions into the current list, preserving lastTransitionTime where status is unchanged. */
export function mergeConditions(current: readonly Condition[], desired: readonly DesiredCondition[], now: Date): Condition[] {
  return desired.map((want) => {
    const have = current.find((c) => c.type === want.type);
    const lastTransitionTime = have && have.status === want.status ? have.lastTransitionTime : now.toISOString();
    return { ...want, lastTransitionTime };
  });
}
