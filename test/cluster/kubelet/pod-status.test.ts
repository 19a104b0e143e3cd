// The harness's kubelet must report pod status exactly as the kubelet does; these pin the rules
// (pkg/kubelet/status/generate.go, getPhase in pkg/kubelet/kubelet_pods.go) case by case.
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { containersReadyCondition, desiredPodStatus, podPhase, podReadyCondition, statusDiffers, statusPatch } from './pod-status.js';

const pod = (overrides: Partial<NonNullable<V1Pod['spec']>> = {}, conditions: V1PodCondition[] = []): V1Pod => ({
  metadata: { name: 'p', namespace: 'n', uid: 'u', generation: 1 },
  spec: { containers: [{ name: 'a' }, { name: 'b' }], ...overrides },
  status: { conditions },
});

const running = (name: string, ready: boolean): V1ContainerStatus => ({
  name, image: 'i', imageID: '', ready, restartCount: 0, started: true, state: { running: { startedAt: new Date(0) } },
});
const waitingStatus = (name: string): V1ContainerStatus => ({
  name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } },
});
const terminated = (name: string, exitCode: number): V1ContainerStatus => ({
  name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } },
});
const crashLooping = (name: string): V1ContainerStatus => ({
  ...waitingStatus(name), state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } },
});

describe('podPhase', () => {
  test.each([
    ['all running', [running('a', true), running('b', false)], 'Always', 'Running'],
    ['one still waiting', [running('a', true), waitingStatus('b')], 'Always', 'Pending'],
    ['one status unknown', [running('a', true)], 'Always', 'Pending'],
    ['crash looping counts as stopped', [running('a', true), crashLooping('b')], 'Always', 'Running'],
    ['all exited, restartPolicy Always', [terminated('a', 0), terminated('b', 1)], 'Always', 'Running'],
    ['all exited 0, Never', [terminated('a', 0), terminated('b', 0)], 'Never', 'Succeeded'],
    ['one failed, Never', [terminated('a', 0), terminated('b', 2)], 'Never', 'Failed'],
    ['one failed, OnFailure', [terminated('a', 0), terminated('b', 2)], 'OnFailure', 'Running'],
    ['all exited 0, OnFailure', [terminated('a', 0), terminated('b', 0)], 'OnFailure', 'Succeeded'],
  ])('%s', (_name, statuses, restartPolicy, phase) => {
    expect(podPhase(pod({ restartPolicy }), statuses)).toBe(phase);
  });
});

describe('ContainersReady', () => {
  test('True when every container is ready', () => {
    expect(containersReadyCondition(pod(), [running('a', true), running('b', true)], 'Running')).toEqual({ type: 'ContainersReady', status: 'True' });
  });
  test('lists unknown and unready containers the way Go prints them', () => {
    expect(containersReadyCondition(pod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }), [running('a', false)], 'Pending')).toEqual({
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unknown status: [b c], containers with unready status: [a]',
    });
  });
  test('no statuses at all', () => {
    expect(containersReadyCondition(pod(), undefined, 'Pending')).toMatchObject({ status: 'False', reason: 'UnknownContainerStatuses' });
  });
  test('terminal phases', () => {
    expect(containersReadyCondition(pod(), [terminated('a', 0), terminated('b', 0)], 'Succeeded')).toMatchObject({ reason: 'PodCompleted' });
    expect(containersReadyCondition(pod(), [terminated('a', 1), terminated('b', 0)], 'Failed')).toMatchObject({ reason: 'PodFailed' });
  });
});

describe('Ready with readiness gates', () => {
  const gated = pod({ readinessGates: [{ conditionType: 'r4.dev/attested' }, { conditionType: 'example.com/lb' }] });
  const allReady = [running('a', true), running('b', true)];

  test('unready containers win over gates, with the same reason and message', () => {
    expect(podReadyCondition(gated, [], [running('a', true), running('b', false)], 'Running')).toEqual({
      type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [b]',
    });
  });
  test('a missing gate condition keeps the pod not Ready', () => {
    const conditions: V1PodCondition[] = [{ type: 'example.com/lb', status: 'True' }];
    expect(podReadyCondition(gated, conditions, allReady, 'Running')).toEqual({
      type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady',
      message: 'corresponding condition of pod readiness gate "r4.dev/attested" does not exist.',
    });
  });
  test('a gate condition that is not True keeps the pod not Ready', () => {
    const conditions: V1PodCondition[] = [{ type: 'r4.dev/attested', status: 'False' }, { type: 'example.com/lb', status: 'Unknown' }];
    expect(podReadyCondition(gated, conditions, allReady, 'Running')).toMatchObject({
      status: 'False',
      message: 'the status of pod readiness gate "r4.dev/attested" is not "True", but False, the status of pod readiness gate "example.com/lb" is not "True", but Unknown',
    });
  });
  test('Ready once every gate is True', () => {
    const conditions: V1PodCondition[] = [{ type: 'r4.dev/attested', status: 'True' }, { type: 'example.com/lb', status: 'True' }];
    expect(podReadyCondition(gated, conditions, allReady, 'Running')).toEqual({ type: 'Ready', status: 'True' });
  });
});

describe('desiredPodStatus', () => {
  const observed = { podIP: '10.244.0.2', hostIP: '10.244.0.1', startTime: new Date(1000), containerStatuses: [running('a', true), running('b', true)] };
  const gate: V1PodCondition = { type: 'r4.dev/attested', status: 'True', lastTransitionTime: new Date(5) };

  test('keeps foreign conditions, owns the kubelet ones, and sets addresses', () => {
    const status = desiredPodStatus(pod({ readinessGates: [{ conditionType: 'r4.dev/attested' }] }, [gate]), observed, new Date(2000));
    expect(status.phase).toBe('Running');
    expect(status.podIP).toBe('10.244.0.2');
    expect(status.podIPs).toEqual([{ ip: '10.244.0.2' }]);
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['r4.dev/attested', 'True'],
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(statusPatch(status).conditions?.map((c) => c.type)).not.toContain('r4.dev/attested');
  });
  test('keeps lastTransitionTime while a condition keeps its status', () => {
    const before = new Date(1);
    const previous = pod({}, [{ type: 'Ready', status: 'True', lastTransitionTime: before }]);
    const status = desiredPodStatus(previous, observed, new Date(2000));
    expect(status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(before);
    expect(status.conditions?.find((c) => c.type === 'ContainersReady')?.lastTransitionTime).toEqual(new Date(2000));
  });
  test('a condition that loses its reason and message deletes them in the patch', () => {
    const gated = pod({ readinessGates: [{ conditionType: 'r4.dev/attested' }] });
    const waiting = desiredPodStatus(gated, observed, new Date(1));
    expect(waiting.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady' });
    const attested = desiredPodStatus({ ...gated, status: { ...waiting, conditions: [gate, ...(waiting.conditions ?? [])] } }, observed, new Date(2));
    const ready = statusPatch(attested).conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: null, message: null });
  });
  test('a terminal phase is never left', () => {
    const failed: V1Pod = { ...pod({ restartPolicy: 'Always' }), status: { phase: 'Failed' } };
    expect(desiredPodStatus(failed, observed, new Date()).phase).toBe('Failed');
  });
  test('statusDiffers ignores timestamps but not readiness', () => {
    const first = desiredPodStatus(pod(), observed, new Date(1));
    expect(statusDiffers(first, desiredPodStatus({ ...pod(), status: first }, observed, new Date(99)))).toBe(false);
    const unready = { ...observed, containerStatuses: [running('a', true), running('b', false)] };
    expect(statusDiffers(first, desiredPodStatus({ ...pod(), status: first }, unready, new Date(99)))).toBe(true);
  });
});
