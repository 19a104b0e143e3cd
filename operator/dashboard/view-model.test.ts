import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { dashboardEvent, digestOf, podRows, summary, verdictChangeFromEvent, vrfView } from './view-model.js';

const digest = `sha256:${'d'.repeat(64)}`;
const core = 'c'.repeat(64);
const condition = (type: string, status: 'True' | 'False', reason: string, message = `${type} ${reason}`) => ({ type, status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' });

const appliance = (extra: Partial<NonNullable<EntropyAppliance['status']>> = {}): EntropyAppliance => ({
  apiVersion: 'r4.dev/v1alpha1',
  kind: 'EntropyAppliance',
  metadata: { name: 'demo', namespace: 'ns', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  spec: { apiKeySecretRef: { name: 'keys' }, replicas: 3 },
  status: {
    expectedCoreSha256: core,
    imageDigest: digest,
    readyReplicas: 1,
    conditions: [condition('Available', 'True', 'Attested'), condition('Progressing', 'False', 'Stable'), condition('Degraded', 'False', 'NoPodsCordoned')],
    pods: [
      { name: 'demo-b', verdict: 'Cordoned', reason: 'HashMismatch', message: 'core differs', coreSha256: 'f'.repeat(64), consecutiveFailures: 0, imageID: `r4@${digest}` },
      { name: 'demo-a', verdict: 'Attested', reason: 'Attested', message: 'ok', coreSha256: core, integrity: 'verified', selftest: 'pass', mode: 'sealed', consecutiveFailures: 0, verdictSince: '2026-01-01T00:01:00Z' },
    ],
    ...extra,
  },
});

const pod = (name: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name, namespace: 'ns', labels: { 'r4.dev/appliance': 'demo' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'demo-1', uid: 'u', controller: true }] },
  spec: { nodeName: 'node-1', containers: [] },
  status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'entropy', image: 'r4', imageID: `r4@${digest}`, ready: true, restartCount: 0 }] },
  ...extra,
});

describe('podRows', () => {
  test('one row per judged pod, sorted, joined with the kubelet’s view; unjudged own pods are Pending; foreign pods are not shown', () => {
    const foreign = pod('rogue', { metadata: { name: 'rogue', labels: { 'r4.dev/appliance': 'demo' } } });
    const rows = podRows(appliance(), [pod('demo-a'), pod('demo-b'), pod('demo-c'), foreign]);
    expect(rows.map((r) => [r.name, r.verdict, r.reason])).toEqual([
      ['demo-a', 'Attested', 'Attested'],
      ['demo-b', 'Cordoned', 'HashMismatch'],
      ['demo-c', 'Pending', 'AwaitingFirstProbe'],
    ]);
    expect(rows[0]).toMatchObject({ node: 'node-1', podIP: '10.0.0.1', phase: 'Running', ready: true, imageDigest: digest, expectedImageDigest: digest, coreSha256: core, expectedCoreSha256: core, verdictSince: '2026-01-01T00:01:00Z' });
    expect(rows[1]?.coreSha256).toBe('f'.repeat(64));
  });

  test("during a rollout, a pod of the digest being replaced is expected to run that digest", () => {
    const previous = `sha256:${'e'.repeat(64)}`;
    const old = pod('demo-a', { status: { phase: 'Running', containerStatuses: [{ name: 'entropy', image: 'r4', imageID: `r4@${previous}`, ready: true, restartCount: 0 }] } });
    const rolling = appliance({ previousImageDigest: previous, pods: [{ name: 'demo-a', verdict: 'Attested', reason: 'Attested', message: 'ok', consecutiveFailures: 0 }, { name: 'demo-b', verdict: 'Pending', reason: 'AwaitingFirstProbe', message: '', consecutiveFailures: 0, imageID: `r4@${digest}` }] });
    expect(podRows(rolling, [old, pod('demo-b')]).map((r) => [r.imageDigest, r.expectedImageDigest])).toEqual([
      [previous, previous],
      [digest, digest],
    ]);
  });

  test('a judged pod the watch has not seen (or no longer sees) is Gone', () => {
    expect(podRows(appliance(), []).map((r) => r.phase)).toEqual(['Gone', 'Gone']);
  });
});

describe('summary', () => {
  const rows = () => podRows(appliance(), [pod('demo-a'), pod('demo-b')]);
  test.each([
    ['Trusted', 'Attested', [condition('Available', 'True', 'Attested')]],
    ['Degraded', 'PodsCordoned', [condition('Available', 'True', 'Attested'), condition('Degraded', 'True', 'PodsCordoned'), condition('Progressing', 'True', 'RollingOut')]],
    ['Unavailable', 'NoAttestedPods', [condition('Available', 'False', 'NoAttestedPods'), condition('Degraded', 'True', 'PodsCordoned')]],
    ['Progressing', 'RollingOut', [condition('Available', 'True', 'Attested'), condition('Progressing', 'True', 'RollingOut')]],
  ])('%s (%s)', (state, reason, conditions) => {
    const s = summary(appliance({ conditions }), rows());
    expect([s.state, s.stateReason, s.stateMessage]).toEqual([state, reason, conditions.find((c) => c.reason === reason)?.message]);
  });

  test('counts and what is in force', () => {
    expect(summary(appliance(), rows())).toMatchObject({ namespace: 'ns', name: 'demo', replicas: 3, pods: 2, attested: 1, cordoned: 1, pending: 0, available: 1, coreSha256: core, imageDigest: digest, createdAt: '2026-01-01T00:00:00.000Z' });
  });

  test('an appliance the operator has not reported on yet is Progressing', () => {
    const fresh = { ...appliance(), status: undefined };
    expect(summary(fresh, [])).toMatchObject({ state: 'Progressing', stateReason: 'NotReconciled', replicas: 3, pods: 0 });
  });
});

test('digestOf reads the forms the kubelet reports', () => {
  expect(digestOf(`docker-pullable://r4@${digest}`)).toBe(digest);
  expect(digestOf(digest)).toBe(digest);
  expect(digestOf('r4:latest')).toBeUndefined();
  expect(digestOf(undefined)).toBeUndefined();
});

test('vrfView gives the round in progress', () => {
  const vrf = { suite: 's', signature_algorithm: 'ML-DSA-65', appliance: 'ns/demo', keys: [], beacon: { chain_id: 'c', period_seconds: 10, genesis: '2026-01-01T00:00:00Z' } };
  expect(vrfView(appliance({ vrf }), Date.parse('2026-01-01T00:00:25Z'))).toMatchObject({ latestRound: 3, latestRoundAt: '2026-01-01T00:00:20.000Z' });
  expect(vrfView(appliance({ vrf }), Date.parse('2025-12-31T00:00:00Z'))).toEqual({ keys: vrf, latestRound: 0 });
  expect(vrfView(appliance(), 0)).toBeUndefined();
});

describe('Events', () => {
  const event = (reason: string, message: string): CoreV1Event => ({
    metadata: { name: 'demo.1', namespace: 'ns', uid: 'e1' },
    involvedObject: { kind: 'EntropyAppliance', name: 'demo', namespace: 'ns' },
    reason,
    message,
    type: reason === 'PodAttested' ? 'Normal' : 'Warning',
    count: 1,
    lastTimestamp: new Date('2026-01-01T00:02:00Z'),
  });
  test('an Event as listed', () => {
    expect(dashboardEvent(event('PodCordoned', 'pod demo-b: HashMismatch: core differs'))).toEqual({ uid: 'e1', type: 'Warning', reason: 'PodCordoned', message: 'pod demo-b: HashMismatch: core differs', object: 'EntropyAppliance/demo', count: 1, at: '2026-01-01T00:02:00.000Z' });
  });
  test.each([
    ['PodCordoned', 'pod demo-b: HashMismatch: core sha256 ff… differs', { pod: 'demo-b', verdict: 'Cordoned', reason: 'HashMismatch', message: 'core sha256 ff… differs' }],
    ['PodAttested', 'pod demo-a: signed by its container key', { pod: 'demo-a', verdict: 'Attested', reason: 'Attested' }],
    ['HashMismatch', 'pod demo-b: core differs', undefined],
    ['CertificateIssued', 'issued', undefined],
  ])('%s "%s" tells of %j', (reason, message, expected) => {
    const change = verdictChangeFromEvent(dashboardEvent(event(reason, message)));
    if (expected === undefined) expect(change).toBeUndefined();
    else expect(change).toMatchObject({ ...expected, source: 'event', at: '2026-01-01T00:02:00.000Z' });
  });
});
