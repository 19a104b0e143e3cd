// metav1.Condition bookkeeping: a condition's lastTransitionTime moves only when its status changes,
// so dashboards and alerts see real transitions, not churn.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration: number;
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
