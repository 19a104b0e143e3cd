import type { V1Pod } from '@kubernetes/client-node';
import { attest, PENDING } from '../attestation/verdict.js';
import { gatePatch } from './gate.js';

const expected = 'e'.repeat(64);
const attested = attest({ kind: 'answered', fields: { coreSha256: expected, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false }, key: 'k' }, { expectedCoreSha256: expected, failureThreshold: 3, containerId: 'cri://c' });
const cordoned = attest({ kind: 'answered', fields: { coreSha256: expected, integrity: 'verified', selftest: 'pass', mode: 'blocked', demo: false }, key: 'k' }, { expectedCoreSha256: expected, failureThreshold: 3, containerId: 'cri://c' });
const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:10Z');
const pod = (conditions: NonNullable<V1Pod['status']>['conditions'] = [], labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name: 'p', labels },
  status: { conditions },
});

describe('gatePatch', () => {
  test('a new pod gets the gate False while pending, without the cordoned label', () => {
    expect(gatePatch(pod(), PENDING, t0)).toEqual({
      condition: expect.objectContaining({ type: 'r4.dev/attested', status: 'False', reason: 'AwaitingFirstProbe' }),
    });
  });

  test('an attested pod gets the gate True', () => {
    const p = gatePatch(pod(), attested, t0);
    expect(p.condition).toMatchObject({ status: 'True', reason: 'Attested', lastTransitionTime: t0 });
    expect(p.label).toBeUndefined();
  });

  test('a cordoned pod gets the gate False and the label', () => {
    const p = gatePatch(pod([{ type: 'r4.dev/attested', status: 'True', reason: 'Attested', lastTransitionTime: t0 }]), cordoned, t1);
    expect(p.condition).toMatchObject({ status: 'False', reason: 'NotSealed', lastTransitionTime: t1 });
    expect(p.label).toBe('true');
  });

  test('nothing to patch when the pod already shows the verdict', () => {
    const shown = pod([{ type: 'r4.dev/attested', status: 'False', reason: cordoned.reason, message: cordoned.message }], { 'r4.dev/cordoned': 'true' });
    expect(gatePatch(shown, cordoned, t1)).toEqual({});
  });

  test('an uncordoned pod loses the label', () => {
    const shown = pod([{ type: 'r4.dev/attested', status: 'False', reason: cordoned.reason, message: cordoned.message }], { 'r4.dev/cordoned': 'true' });
    expect(gatePatch(shown, attested, t1)).toMatchObject({ label: null, condition: { status: 'True' } });
  });
});
