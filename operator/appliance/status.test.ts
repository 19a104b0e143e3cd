import { attest, PENDING } from '../attestation/verdict.js';
import type { AttestationFields } from '../../contracts/version-document.js';
import { nextStatus, type ObservedPod, type StatusInput } from './status.js';

const expected = 'e'.repeat(64);
const doc: AttestationFields = { coreSha256: expected, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false };
const attestedPod = (name: string): ObservedPod => ({ name, podIP: '10.244.0.2', ready: true, attestation: attest({ kind: 'answered', fields: doc, key: 'k' }, { expectedCoreSha256: expected, failureThreshold: 3, containerId: 'cri://c' }) });
const mismatchPod = (name: string): ObservedPod => ({
  name,
  ready: false,
  attestation: attest({ kind: 'answered', fields: { ...doc, coreSha256: 'f'.repeat(64) }, key: 'k' }, { expectedCoreSha256: expected, failureThreshold: 3, containerId: 'cri://c' }),
});
const now = new Date('2026-01-01T00:00:00Z');
const steady = { observedGeneration: 2, generation: 2, updatedReplicas: 2, replicas: 2 };
const input = (pods: ObservedPod[], extra: Partial<StatusInput> = {}): StatusInput => ({
  generation: 3,
  expectedCoreSha256: expected,
  imageDigest: `sha256:${'d'.repeat(64)}`,
  desiredReplicas: 2,
  pods,
  deployment: steady,
  now,
  ...extra,
});
const condition = (status: ReturnType<typeof nextStatus>, type: string) => status.conditions?.find((c) => c.type === type);

describe('nextStatus', () => {
  test('all pods attested: Available, not Degraded, Stable; counts and pod entries filled in', () => {
    const s = nextStatus(input([attestedPod('b'), attestedPod('a')]));
    expect(s).toMatchObject({ observedGeneration: 3, replicas: 2, readyReplicas: 2, attestedReplicas: 2, cordonedReplicas: 0, expectedCoreSha256: expected });
    expect(s.pods?.map((p) => p.name)).toEqual(['a', 'b']);
    expect(s.pods?.[0]).toMatchObject({ verdict: 'Attested', integrity: 'verified', selftest: 'pass', mode: 'sealed', coreSha256: expected });
    expect(condition(s, 'Available')).toMatchObject({ status: 'True', reason: 'Attested', message: '2 of 2 pods attested and serving', observedGeneration: 3 });
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'False' });
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Stable' });
  });

  test('one pod cordoned: still Available, Degraded says which and why', () => {
    const s = nextStatus(input([attestedPod('a'), mismatchPod('b')]));
    expect(condition(s, 'Available')?.status).toBe('True');
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'PodsCordoned', message: '1 pod cordoned: b (HashMismatch)' });
  });

  test('every pod cordoned: not Available, and the message gives the first cause', () => {
    const s = nextStatus(input([mismatchPod('a'), mismatchPod('b')]));
    const available = condition(s, 'Available');
    expect(available).toMatchObject({ status: 'False', reason: 'NoAttestedPods' });
    expect(available?.message).toContain('a (HashMismatch), b (HashMismatch)');
    expect(available?.message).toContain('differs from the expected');
  });

  test('new pods are pending: Progressing until attested, not Available', () => {
    const s = nextStatus(input([{ name: 'a', ready: false, attestation: PENDING }]));
    expect(condition(s, 'Available')).toMatchObject({ status: 'False', reason: 'AwaitingAttestation' });
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'AwaitingAttestation' });
  });

  test('a rollout in progress is Progressing', () => {
    const s = nextStatus(input([attestedPod('a')], { deployment: { ...steady, updatedReplicas: 1 } }));
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut', message: '1 of 2 pods updated' });
  });

  test('conditions keep their transition time while their status holds', () => {
    const first = nextStatus(input([attestedPod('a')]));
    const later = nextStatus(input([attestedPod('a'), attestedPod('b')], { current: first, now: new Date('2026-01-01T01:00:00Z') }));
    expect(condition(later, 'Available')?.lastTransitionTime).toBe(now.toISOString());
    expect(condition(later, 'Available')?.message).toBe('2 of 2 pods attested and serving');
  });

  test("a pod's verdictSince holds while its verdict does, and moves when it changes", () => {
    const first = nextStatus(input([attestedPod('a')]));
    expect(first.pods?.[0]?.verdictSince).toBe(now.toISOString());
    const hourLater = new Date('2026-01-01T01:00:00Z');
    expect(nextStatus(input([attestedPod('a')], { current: first, now: hourLater })).pods?.[0]?.verdictSince).toBe(now.toISOString());
    expect(nextStatus(input([mismatchPod('a')], { current: first, now: hourLater })).pods?.[0]?.verdictSince).toBe(hourLater.toISOString());
  });

  test('equal verdicts give an identical status: lastChecked moves only with the entry', () => {
    const first = nextStatus(input([{ ...attestedPod('a'), lastChecked: '2026-01-01T00:00:01Z' }]));
    const probedAgain = nextStatus(input([{ ...attestedPod('a'), lastChecked: '2026-01-01T00:00:11Z' }], { current: first, now: new Date('2026-01-01T00:00:12Z') }));
    expect(probedAgain).toEqual(first);
    const changed = nextStatus(input([{ ...mismatchPod('a'), lastChecked: '2026-01-01T00:00:21Z' }], { current: first, now: new Date('2026-01-01T00:00:22Z') }));
    expect(changed.pods?.[0]?.lastChecked).toBe('2026-01-01T00:00:21Z');
  });

  test('no pods at all', () => {
    const s = nextStatus(input([], { deployment: undefined }));
    expect(condition(s, 'Available')?.message).toBe('no entropy pods exist yet');
    expect(condition(s, 'Progressing')).toMatchObject({ reason: 'RollingOut', message: 'creating the Deployment' });
  });
});

describe('nextStatus: VRF keys', () => {
  const vrf = {
    suite: 'ECVRF-EDWARDS25519-SHA512-TAI',
    signature_algorithm: 'ML-DSA-65',
    appliance: 'team/demo',
    keys: [],
    beacon: { chain_id: '0'.repeat(32), period_seconds: 30, genesis: '2026-01-01T00:00:00.000Z' },
  };

  test('status.vrf is the document given, and absent when there is none', () => {
    expect(nextStatus(input([attestedPod('a')], { vrf })).vrf).toEqual(vrf);
    expect('vrf' in nextStatus(input([attestedPod('a')]))).toBe(false);
  });

  test('a VRF keys problem makes Degraded True without touching Available or Progressing; refusals lead', () => {
    const vrfProblem = { reason: 'VrfKeysInvalid', message: 'Secret demo-vrf-keys holds no valid VRF keyset' };
    const s = nextStatus(input([attestedPod('a'), attestedPod('b')], { vrfProblem }));
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'VrfKeysInvalid', message: vrfProblem.message });
    expect(condition(s, 'Available')?.status).toBe('True');
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Stable' });
    const refused = nextStatus(input([attestedPod('a')], { vrfProblem, refusals: [{ reason: 'ImageNotAllowed', message: 'image refused' }] }));
    expect(condition(refused, 'Degraded')).toMatchObject({ reason: 'ImageNotAllowed', message: `image refused; ${vrfProblem.message}` });
  });
});
