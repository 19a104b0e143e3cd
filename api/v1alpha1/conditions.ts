// The appliance's conditions (metav1.Condition) and their bookkeeping: a condition's lastTransitionTime
// moves only when its status changes, so dashboards and alerts see real transitions, not churn.

/** Available: some pod is attested and serving. Progressing: a rollout or a first attestation is under way. Degraded: some pod is cordoned. */
export const CONDITION_TYPES = ['Available', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

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
