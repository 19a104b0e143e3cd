// The pod status the kubelet would write, as pure functions of the pod and what the harness observed of
// its containers. Mirrors kubelet's getPhase (pkg/kubelet/kubelet_pods.go) and the condition generators
// (pkg/kubelet/status/generate.go), including the reasons and messages, so that controllers and tests
// see exactly what a real node would report. Init containers are not run by the harness; see runner.
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Conditions the kubelet owns; all others (readiness gates, DisruptionTarget, ...) belong to someone else. */
const kubeletConditions = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

export function podPhase(pod: V1Pod, statuses: V1ContainerStatus[]): PodPhase {
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of pod.spec?.containers ?? []) {
    const status = statuses.find((s) => s.name === container.name);
    if (!status?.state) {
      unknown++;
    } else if (status.state.running) {
      running++;
    } else if (status.state.terminated) {
      stopped++;
      if (status.state.terminated.exitCode === 0) succeeded++;
    } else if (status.state.waiting) {
      if (status.lastState?.terminated) stopped++;
      else waiting++;
    } else {
      unknown++;
    }
  }
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

interface ConditionCore {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

// Go prints a []string as [a b]; the kubelet's messages embed lists that way.
const goList = (names: string[]) => `[${names.join(' ')}]`;

export function containersReadyCondition(pod: V1Pod, statuses: V1ContainerStatus[] | undefined, phase: PodPhase): ConditionCore {
  if (statuses === undefined) return { type: 'ContainersReady', status: 'False', reason: 'UnknownContainerStatuses' };
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const container of pod.spec?.containers ?? []) {
    const status = statuses.find((s) => s.name === container.name);
    if (!status) unknown.push(container.name);
    else if (!status.ready) unready.push(container.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length > 0) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

/**
 * Ready is True only when every container is ready AND every spec.readinessGates condition is present
 * in `conditions` with status True.
 */
export function podReadyCondition(
  pod: V1Pod,
  conditions: V1PodCondition[],
  statuses: V1ContainerStatus[] | undefined,
  phase: PodPhase,
): ConditionCore {
  const containersReady = containersReadyCondition(pod, statuses, phase);
  if (containersReady.status !== 'True') return { ...containersReady, type: 'Ready' };
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    if (!condition) {
      messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    } else if (condition.status !== 'True') {
      messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`);
    }
  }
  if (messages.length > 0) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: messages.join(', ') };
  return { type: 'Ready', status: 'True' };
}

export interface PodObservation {
  /** Set once the pod's network namespace exists. */
  podIP?: string;
  hostIP: string;
  startTime: Date;
  containerStatuses: V1ContainerStatus[];
}

/**
 * The status to write: the kubelet-owned conditions recomputed (keeping lastTransitionTime where the
 * status did not change) and everyone else's conditions passed through untouched.
 */
export function desiredPodStatus(pod: V1Pod, observed: PodObservation, now: Date): V1PodStatus {
  const current = pod.status ?? {};
  const statuses = observed.containerStatuses;
  let phase = podPhase(pod, statuses);
  // Pods never leave a terminal phase.
  if (current.phase === 'Succeeded' || current.phase === 'Failed') phase = current.phase;
  const foreign = (current.conditions ?? []).filter((c) => !kubeletConditions.has(c.type));
  const generated: ConditionCore[] = [
    { type: 'PodReadyToStartContainers', status: observed.podIP ? 'True' : 'False' },
    // The harness runs no init containers, so a pod is initialized as soon as it has a status.
    { type: 'Initialized', status: 'True' },
    podReadyCondition(pod, foreign, statuses, phase),
    containersReadyCondition(pod, statuses, phase),
    { type: 'PodScheduled', status: 'True' },
  ];
  const generation = pod.metadata?.generation;
  const conditions: V1PodCondition[] = generated.map((c) => {
    const previous = current.conditions?.find((p) => p.type === c.type);
    const unchanged = previous && previous.status === c.status;
    return {
      ...c,
      ...(generation !== undefined && c.type !== 'PodScheduled' ? { observedGeneration: generation } : {}),
      lastTransitionTime: unchanged && previous.lastTransitionTime ? previous.lastTransitionTime : now,
    };
  });
  const ip = observed.podIP;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    phase,
    conditions: [...foreign, ...conditions],
    hostIP: observed.hostIP,
    hostIPs: [{ ip: observed.hostIP }],
    ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
    startTime: current.startTime ?? observed.startTime,
    containerStatuses: statuses,
  };
}

/**
 * What to send as a strategic-merge patch: only kubelet-owned conditions, so others' writes survive. A
 * merge keeps any field the patch leaves out, so a condition that has lost its reason or message (Ready
 * turning True) says null for it, as the kubelet's two-way merge patch does: otherwise the stale reason
 * stays, the status never matches, and every sync writes it again.
 */
export function statusPatch(desired: V1PodStatus): V1PodStatus {
  const conditions = (desired.conditions ?? [])
    .filter((c) => kubeletConditions.has(c.type))
    .map((c) => ({ ...c, reason: c.reason ?? null, message: c.message ?? null }) as V1PodCondition);
  return { ...desired, conditions };
}

const comparable = (status: V1PodStatus) =>
  JSON.stringify({
    phase: status.phase,
    podIP: status.podIP,
    conditions: (status.conditions ?? [])
      .filter((c) => kubeletConditions.has(c.type))
      .map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])
      .sort(),
    containers: (status.containerStatuses ?? []).map((c) => [
      c.name,
      c.ready,
      c.started ?? false,
      c.restartCount,
      Object.keys(c.state ?? {}),
      c.state?.waiting?.reason ?? '',
      c.state?.waiting?.message ?? '',
      c.state?.terminated?.exitCode ?? '',
    ]),
  });

/** True when writing `desired` would change what the API server holds (timestamps aside). */
export function statusDiffers(current: V1PodStatus | undefined, desired: V1PodStatus): boolean {
  return comparable(current ?? {}) !== comparable(desired);
}
