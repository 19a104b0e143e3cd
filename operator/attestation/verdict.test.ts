import { attest, attestationEvents, PENDING, type PodAttestation, type ProbeOutcome } from './verdict.js';
import type { AttestationFields } from '../../contracts/version-document.js';

const expected = 'e'.repeat(64);
const sealed: AttestationFields = { coreSha256: expected, integrity: 'verified', selftest: 'pass', mode: 'sealed' };
const answered = (doc: Partial<AttestationFields> = {}): ProbeOutcome => ({ kind: 'answered', fields: { ...sealed, ...doc } });
const unreachable: ProbeOutcome = { kind: 'unreachable', reason: 'timeout after 2000 ms' };

describe('attest', () => {
  test('a sealed, verified, passing core with the expected hash is attested', () => {
    expect(attest(answered(), expected, 3)).toMatchObject({ verdict: 'Attested', reason: 'Attested', consecutiveFailures: 0 });
  });

  test.each([
    [{ coreSha256: 'f'.repeat(64) }, 'HashMismatch', 'differs from the expected'],
    [{ integrity: 'mismatch' as const }, 'IntegrityMismatch', 'manifest'],
    [{ integrity: 'missing' as const }, 'IntegrityMissing', 'could not find'],
    [{ selftest: 'fail' as const }, 'SelfTestFailed', 'failed'],
    [{ selftest: 'degraded' as const }, 'SelfTestDegraded', 'did not answer'],
    [{ mode: 'blocked' as const }, 'NotSealed', 'mode blocked'],
    [{ mode: 'fallback' as const }, 'NotSealed', 'mode fallback'],
  ])('%j is cordoned with reason %s', (doc, reason, message) => {
    const a = attest(answered(doc), expected, 3);
    expect(a.verdict).toBe('Cordoned');
    expect(a.reason).toBe(reason);
    expect(a.message).toContain(message);
  });

  test('a tampered core reports both a manifest mismatch and a foreign hash: the hash is the reason', () => {
    const a = attest(answered({ coreSha256: 'f'.repeat(64), integrity: 'mismatch', mode: 'blocked' }), expected, 3);
    expect(a.reason).toBe('HashMismatch');
  });

  test('a malformed answer cordons at once', () => {
    const a = attest({ kind: 'malformed', reason: 'mode is not one of sealed' }, expected, 3, attest(answered(), expected, 3));
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'MalformedResponse', consecutiveFailures: 1 });
  });

  test('missed probes keep the verdict until failureThreshold, then cordon as Unreachable', () => {
    let a: PodAttestation = attest(answered(), expected, 3);
    a = attest(unreachable, expected, 3, a);
    expect(a).toMatchObject({ verdict: 'Attested', consecutiveFailures: 1 });
    a = attest(unreachable, expected, 3, a);
    expect(a).toMatchObject({ verdict: 'Attested', consecutiveFailures: 2 });
    a = attest(unreachable, expected, 3, a);
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'Unreachable', consecutiveFailures: 3 });
    expect(a.message).toContain('no answer to 3 consecutive probes (last: timeout after 2000 ms)');
    expect(a.reported).toEqual(sealed);
  });

  test('a new pod that never answers stays pending, then is cordoned', () => {
    let a = attest(unreachable, expected, 2);
    expect(a).toMatchObject({ verdict: 'Pending', reason: 'AwaitingFirstProbe', consecutiveFailures: 1 });
    a = attest(unreachable, expected, 2, a);
    expect(a.verdict).toBe('Cordoned');
  });

  test('an answer after failures resets the count and uncordons', () => {
    const down = attest(unreachable, expected, 1);
    expect(down.verdict).toBe('Cordoned');
    expect(attest(answered(), expected, 1, down)).toMatchObject({ verdict: 'Attested', consecutiveFailures: 0 });
  });
});

describe('attestationEvents', () => {
  const attested = attest(answered(), expected, 3);
  const mismatch = attest(answered({ coreSha256: 'f'.repeat(64) }), expected, 3);
  test('first attestation is announced', () => {
    expect(attestationEvents(PENDING, attested).map((e) => e.reason)).toEqual(['PodAttested']);
  });
  test('a hash mismatch emits PodCordoned and HashMismatch', () => {
    expect(attestationEvents(attested, mismatch).map((e) => e.reason)).toEqual(['PodCordoned', 'HashMismatch']);
  });
  test('nothing is emitted while nothing changes', () => {
    expect(attestationEvents(mismatch, mismatch)).toEqual([]);
    expect(attestationEvents(attested, { ...attested, consecutiveFailures: 1 })).toEqual([]);
  });
  test('recovery is announced', () => {
    expect(attestationEvents(mismatch, attested).map((e) => e.reason)).toEqual(['PodAttested']);
  });
});
