// With attestation.evictCordoned, a pod cordoned for longer than its grace period is evicted through the
// Eviction API, so the Deployment replaces it and the PodDisruptionBudget decides how many may go at once.
import type { CoreV1Api } from '@kubernetes/client-node';

/** Long enough for a pod to recover from a passing fault; never shorter than 30 s. */
export function evictionGraceMs(intervalSeconds: number, failureThreshold: number): number {
  return Math.max(30_000, intervalSeconds * 1000 * (failureThreshold + 1));
}

export type EvictionResult = 'evicted' | 'blocked-by-budget';

export async function evict(core: CoreV1Api, pod: { name: string; namespace: string }): Promise<EvictionResult> {
  const { name, namespace } = pod;
  try {
    await core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
    return 'evicted';
  } catch (error) {
    // 429: the PodDisruptionBudget allows no more disruptions right now; the next reconcile tries again.
    if ((error as { code?: number }).code === 429) return 'blocked-by-budget';
    throw error;
  }
}
