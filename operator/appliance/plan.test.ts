import type { V1Pod } from '@kubernetes/client-node';
import { RENDERED_HASH_ANNOTATION } from '../../api/v1alpha1/labels.js';
import { resolveSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { PodRecord } from '../attestation/attestor.js';
import { attest, PENDING } from '../attestation/verdict.js';
import { evictionGraceMs } from '../cordon/eviction.js';
import { desiredChildren, endpointSlice, networkPolicy } from './children.js';
import { canonical } from './canonical.js';
import { EVICTION_SPACING_MS, plan, REAPPLY_AFTER_MS, reapplyPeriodMs, RECHECK_REFUSED_MS, RESYNC_MS, type Observed } from './plan.js';

const sha = 'e'.repeat(64);
const digest = `sha256:${'d'.repeat(64)}`;
const defaults = { image: 'r4:0.1.0', imageDigest: digest, coreSha256: sha };
const now = Date.parse('2026-01-01T00:10:00Z');
const fields = { coreSha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false } as const;
const attested = attest({ kind: 'answered', fields, key: 'k' }, { expectedCoreSha256: sha, failureThreshold: 3, containerId: 'cri://c' });
const cordoned = attest({ kind: 'answered', fields: { ...fields, mode: 'blocked' }, key: 'k' }, { expectedCoreSha256: sha, failureThreshold: 3, containerId: 'cri://c' });

const appliance = (spec: Partial<EntropyAppliance['spec']> = {}, status?: EntropyAppliance['status']): EntropyAppliance => ({
  apiVersion: 'r4.dev/v1alpha1',
  kind: 'EntropyAppliance',
  metadata: { name: 'demo', namespace: 'team', uid: 'u1', generation: 1 },
  spec: { apiKeySecretRef: { name: 'keys' }, ...spec },
  ...(status && { status }),
});

const pod = (name: string, gate?: { status: 'True' | 'False'; reason: string; message: string }, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, namespace: 'team', uid: `uid-${name}`, labels },
  status: { phase: 'Running', podIP: '10.244.0.9', conditions: gate ? [{ type: 'r4.dev/attested', ...gate }] : [] },
});

/** Observed state whose children are all live and as rendered, last applied a second ago. */
function observed(a: EntropyAppliance, pods: V1Pod[]): Observed {
  const spec = resolveSpec(a, defaults);
  const rendered = new Map(
    [networkPolicy(a, spec, 'r4-system'), ...desiredChildren(a, spec), endpointSlice(a, spec, [])].map((c) => [c.kind, c.metadata.annotations[RENDERED_HASH_ANNOTATION]]),
  );
  return {
    appliance: a,
    spec,
    liveChildHash: (kind) => rendered.get(kind),
    lastAppliedAt: now - 1_000,
    pods,
    deployment: { generation: 1, observedGeneration: 1, updatedReplicas: pods.length, replicas: pods.length },
    tls: { kind: 'off' },
    operatorNamespace: 'r4-system',
    refusals: [],
    conflicts: [],
    vrfKeys: { secretName: 'demo-vrf-keys', secret: { kind: 'absent' }, rotateRequest: undefined },
  };
}

const records = (entries: [string, PodRecord][]) => new Map(entries.map(([name, r]) => [`uid-${name}`, r]));

describe('plan: children', () => {
  const all = ['NetworkPolicy', 'Deployment', 'Service', 'PodDisruptionBudget', 'EndpointSlice'];
  test.each([
    ['never applied by this operator (a fresh start)', undefined, all, RESYNC_MS],
    ['applied a moment ago and unchanged', 1_000, [], RESYNC_MS],
    ['applied just under the re-apply period ago', reapplyPeriodMs('u1') - 20_000, [], 20_000],
    ['applied longer ago than the re-apply period (drift is undone)', reapplyPeriodMs('u1') + 1, all, RESYNC_MS],
  ])('%s', (_case, appliedAgo, kinds, requeueAfter) => {
    const o = observed(appliance(), []);
    const p = plan({ ...o, lastAppliedAt: appliedAgo === undefined ? undefined : now - appliedAgo }, new Map(), now);
    expect(p.apply.map((c) => c.kind)).toEqual(kinds);
    expect(p.requeueAfter).toBe(requeueAfter);
  });

  test('each appliance re-applies within 20 % of the period, at its own phase', () => {
    const periods = Array.from({ length: 100 }, (_, i) => reapplyPeriodMs(`uid-${i}`));
    expect(Math.min(...periods)).toBeGreaterThanOrEqual(REAPPLY_AFTER_MS * 0.8);
    expect(Math.max(...periods)).toBeLessThanOrEqual(REAPPLY_AFTER_MS * 1.2);
    expect(new Set(periods.map((p) => Math.floor(p / 10_000))).size).toBeGreaterThan(10);
    expect(reapplyPeriodMs('uid-1')).toBe(reapplyPeriodMs('uid-1'));
  });

  test('a child edited by someone else is applied again, alone', () => {
    const a = appliance();
    const rendered = observed(a, []);
    const o = { ...rendered, liveChildHash: (kind: string, name: string) => (kind === 'Service' ? 'edited' : rendered.liveChildHash(kind, name)) };
    expect(plan(o, new Map(), now).apply.map((c) => c.kind)).toEqual(['Service']);
  });

  test('a changed spec re-applies only the children whose rendering changed', () => {
    const o = { ...observed(appliance({ replicas: 5 }), []), liveChildHash: observed(appliance(), []).liveChildHash };
    expect(plan(o, new Map(), now).apply.map((c) => c.kind)).toEqual(['Deployment']);
  });
});

describe('plan: refusals and conflicts', () => {
  const condition = (p: ReturnType<typeof plan>, type: string) => p.status?.conditions?.find((c) => c.type === type);

  test('a refused spec gets no Deployment, a Degraded condition that says why, and a look again soon', () => {
    const o = { ...observed(appliance(), []), lastAppliedAt: undefined, refusals: [{ reason: 'ImageNotAllowed' as const, message: 'spec.image repository "evil" is not one the operator may run (allowed: r4)' }] };
    const p = plan(o, new Map(), now);
    expect(p.apply.map((c) => c.kind)).toEqual(['NetworkPolicy', 'Service', 'PodDisruptionBudget', 'EndpointSlice']);
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'ImageNotAllowed', message: expect.stringContaining('"evil" is not one the operator may run') });
    expect(condition(p, 'Progressing')).toMatchObject({ status: 'False', reason: 'ImageNotAllowed' });
    expect(p.requeueAfter).toBe(RECHECK_REFUSED_MS);
  });

  test('a conflicting child is named in Degraded; the rest is applied as usual', () => {
    const o = { ...observed(appliance(), []), lastAppliedAt: undefined, conflicts: [{ kind: 'Service', name: 'demo' }] };
    const p = plan(o, new Map(), now);
    expect(p.apply.map((c) => c.kind)).toEqual(['NetworkPolicy', 'Deployment', 'Service', 'PodDisruptionBudget', 'EndpointSlice']);
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'ChildConflict', message: "Service demo exists and is not this appliance's (no owner reference to it): left alone" });
    expect(p.requeueAfter).toBe(RECHECK_REFUSED_MS);
  });

  test('refusals lead, cordoned pods follow in the same message', () => {
    const o = { ...observed(appliance(), [pod('a')]), conflicts: [{ kind: 'PodDisruptionBudget', name: 'demo' }] };
    const p = plan(o, records([['a', { attestation: cordoned, cordonedSince: now }]]), now);
    expect(condition(p, 'Degraded')?.message).toBe("PodDisruptionBudget demo exists and is not this appliance's (no owner reference to it): left alone; 1 pod cordoned: a (NotSealed)");
  });
});

describe('plan: pods', () => {
  test('a new pod gets the gate False; nothing else is patched', () => {
    const p = plan(observed(appliance(), [pod('a')]), new Map(), now);
    expect(p.podPatches).toEqual([{ pod: { name: 'a', namespace: 'team', uid: 'uid-a' }, condition: expect.objectContaining({ type: 'r4.dev/attested', status: 'False', reason: 'AwaitingFirstProbe' }) }]);
  });

  test('a pod already showing its verdict is left alone', () => {
    const shown = pod('a', { status: 'True', reason: attested.reason, message: attested.message });
    expect(plan(observed(appliance(), [shown]), records([['a', { attestation: attested }]]), now).podPatches).toEqual([]);
  });

  test('a cordoned pod gets the gate False and the cordoned label', () => {
    const shown = pod('a', { status: 'True', reason: attested.reason, message: attested.message });
    const [patch] = plan(observed(appliance(), [shown]), records([['a', { attestation: cordoned }]]), now).podPatches;
    expect(patch).toMatchObject({ condition: { status: 'False', reason: 'NotSealed' }, label: 'true' });
  });
});

describe('plan: eviction of long-cordoned pods', () => {
  const spec = { attestation: { evictCordoned: true, intervalSeconds: 10, failureThreshold: 3 } };
  const grace = evictionGraceMs(10, 3);
  const cordonedPod = (name: string) => pod(name, { status: 'False', reason: cordoned.reason, message: cordoned.message }, { 'r4.dev/cordoned': 'true' });

  test('off: a pod cordoned for an hour stays', () => {
    const p = plan(observed(appliance(), [cordonedPod('a')]), records([['a', { attestation: cordoned, cordonedSince: now - 3_600_000 }]]), now);
    expect(p.evictions).toEqual([]);
  });

  test('within its grace: not evicted, and the reconcile comes back when the grace ends', () => {
    const p = plan(observed(appliance(spec), [cordonedPod('a')]), records([['a', { attestation: cordoned, cordonedSince: now - 10_000 }]]), now);
    expect(p.evictions).toEqual([]);
    expect(p.requeueAfter).toBe(grace - 10_000);
  });

  test('past its grace: evicted; a second overdue pod waits for the next turn', () => {
    const p = plan(
      observed(appliance(spec), [cordonedPod('a'), cordonedPod('b')]),
      records([
        ['a', { attestation: cordoned, cordonedSince: now - grace - 1_000 }],
        ['b', { attestation: cordoned, cordonedSince: now - grace - 2_000 }],
      ]),
      now,
    );
    expect(p.evictions).toEqual([{ pod: { name: 'a', namespace: 'team', uid: 'uid-a' }, cordonedForMs: grace + 1_000 }]);
    expect(p.requeueAfter).toBe(EVICTION_SPACING_MS);
  });
});

describe('plan: status', () => {
  test('a new appliance gets a status; the same status is not written again', () => {
    const a = appliance();
    const first = plan(observed(a, [pod('a')]), new Map(), now);
    expect(first.status).toMatchObject({ replicas: 1, attestedReplicas: 0, expectedCoreSha256: sha });
    const again = plan(observed(appliance({}, first.status), [pod('a')]), new Map(), now + 5_000);
    expect(again.status).toBeUndefined();
  });

  test('an attestation changes the status', () => {
    const a = appliance({}, plan(observed(appliance(), [pod('a')]), new Map(), now).status);
    const p = plan(observed(a, [pod('a')]), records([['a', { attestation: attested, lastChecked: '2026-01-01T00:10:01Z' }]]), now);
    expect(p.status).toMatchObject({ attestedReplicas: 1, pods: [expect.objectContaining({ name: 'a', verdict: 'Attested', lastChecked: '2026-01-01T00:10:01Z' })] });
  });

  test('two rounds with equal verdicts give the same status: no write, lastChecked stays the verdict\'s', () => {
    const first = plan(observed(appliance(), [pod('a')]), records([['a', { attestation: attested, lastChecked: '2026-01-01T00:10:01Z' }]]), now);
    const a = appliance({}, first.status);
    const next = plan(observed(a, [pod('a')]), records([['a', { attestation: attested, lastChecked: '2026-01-01T00:10:11Z' }]]), now + 10_000);
    expect(next.status).toBeUndefined();
    const later = plan(observed(a, [pod('a')]), records([['a', { attestation: cordoned, lastChecked: '2026-01-01T00:10:21Z' }]]), now + 20_000);
    expect(later.status?.pods?.[0]).toMatchObject({ verdict: 'Cordoned', lastChecked: '2026-01-01T00:10:21Z', verdictSince: new Date(now + 20_000).toISOString() });
  });

  test('canonical() ignores key order', () => {
    expect(canonical({ a: 1, b: { c: 2, d: 3 } })).toBe(canonical({ b: { d: 3, c: 2 }, a: 1 }));
    expect(PENDING.verdict).toBe('Pending');
  });
});

describe('plan: endpoints, certificates and the image digest', () => {
  const slice = (p: ReturnType<typeof plan>) => p.apply.find((o) => o.kind === 'EndpointSlice') as unknown as { endpoints: { addresses: string[]; targetRef: { name: string } }[]; metadata: { labels: Record<string, string> } } | undefined;

  test('the EndpointSlice lists the attested pods and no others', () => {
    const a = pod('a');
    const b = { ...pod('b'), status: { ...pod('b').status, podIP: '10.244.0.10' } };
    const p = plan(observed(appliance(), [a, b]), records([['a', { attestation: attested }], ['b', { attestation: cordoned }]]), now);
    expect(slice(p)?.endpoints.map((e) => e.targetRef.name)).toEqual(['a']);
    expect(slice(p)?.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'demo', 'endpointslice.kubernetes.io/managed-by': 'r4-operator' });
  });

  test('with the operator issuing certificates: the CA bundle is applied, and a certificate issued when due', () => {
    const o = { ...observed(appliance(), []), tls: { kind: 'issued' as const, caPem: 'CA PEM', renewal: 'no certificate yet' } };
    const p = plan(o, new Map(), now);
    expect(p.certificate).toEqual({ reason: 'no certificate yet' });
    expect(p.apply.find((c) => c.kind === 'ConfigMap')).toMatchObject({ metadata: { name: 'demo-ca' }, data: { 'ca.crt': 'CA PEM' } });
    expect(plan({ ...o, tls: { kind: 'issued', caPem: 'CA PEM' } }, new Map(), now).certificate).toBeUndefined();
  });

  test('a changed image digest keeps the old one allowed while the rollout replaces its pods', () => {
    const old = `sha256:${'0'.repeat(64)}`;
    const first = plan(observed(appliance({}, { imageDigest: old }), [pod('a')]), new Map(), now);
    expect(first.status).toMatchObject({ imageDigest: digest, previousImageDigest: old });
    const rolling = { ...observed(appliance({}, first.status), [pod('a')]), deployment: { generation: 2, observedGeneration: 2, updatedReplicas: 0, replicas: 1 } };
    expect(plan(rolling, new Map(), now).status?.previousImageDigest ?? first.status?.previousImageDigest).toBe(old);
    const done = plan(observed(appliance({}, first.status), [pod('a'), pod('b')]), new Map(), now);
    expect(done.status?.previousImageDigest).toBeUndefined();
  });
});

describe('plan: VRF keys', () => {
  const condition = (p: ReturnType<typeof plan>, type: string) => p.status?.conditions?.find((c) => c.type === type);
  const deploymentOf = (p: ReturnType<typeof plan>) =>
    p.apply.find((c) => c.kind === 'Deployment') as unknown as { spec: { template: { spec: { volumes: { name: string }[] } } } } | undefined;
  const fresh = (vrfKeys: Observed['vrfKeys']) => plan({ ...observed(appliance(), []), lastAppliedAt: undefined, vrfKeys }, new Map(), now);

  test('no Secret yet: the keys are made first and the Deployment mounts them; nothing is Degraded', () => {
    const p = fresh({ secretName: 'demo-vrf-keys', secret: { kind: 'absent' }, rotateRequest: undefined });
    expect(p.vrfKeys).toEqual({ kind: 'create', activeFrom: now });
    expect(deploymentOf(p)?.spec.template.spec.volumes.map((v) => v.name)).toContain('vrf-keys');
    expect(condition(p, 'Degraded')?.status).toBe('False');
    expect(p.status?.vrf).toBeUndefined();
  });

  test('another\'s Secret: no action, the Deployment does not mount it, Degraded says why', () => {
    const p = fresh({ secretName: 'demo-vrf-keys', secret: { kind: 'foreign' }, rotateRequest: 'r1' });
    expect(p.vrfKeys).toBeUndefined();
    expect(deploymentOf(p)?.spec.template.spec.volumes.map((v) => v.name)).not.toContain('vrf-keys');
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'ChildConflict', message: expect.stringContaining('Secret demo-vrf-keys exists and is not this appliance\'s') });
    expect(p.vrfProblem?.reason).toBe('ChildConflict');
  });

  test('a keygen that failed a moment ago: not retried yet, Degraded, and the reconcile comes back when it may retry', () => {
    const p = fresh({ secretName: 'demo-vrf-keys', secret: { kind: 'absent' }, rotateRequest: undefined, keygenFailure: { message: 'the core failed: exit 3 (self-test failed)', at: now - 10_000 } });
    expect(p.vrfKeys).toBeUndefined();
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'VrfKeygenFailed' });
    expect(p.requeueAfter).toBe(20_000);
  });
});
