import { attest, attestationEvents, PENDING, type PodAttestation, type ProbeOutcome } from './verdict.js';
import type { AttestationFields } from '../../contracts/version-document.js';

const expected = 'e'.repeat(64);
const sealed: AttestationFields = { coreSha256: expected, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false };
const answered = (doc: Partial<AttestationFields> = {}, key = KEY): ProbeOutcome => ({ kind: 'answered', fields: { ...sealed, ...doc }, key });
const exp = (failureThreshold: number, containerId = 'cri://c1') => ({ expectedCoreSha256: expected, failureThreshold, containerId });
const KEY = Buffer.alloc(32, 1).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 2).toString('base64');
const unreachable: ProbeOutcome = { kind: 'unreachable', reason: 'timeout after 2000 ms' };

describe('attest', () => {
  test('a sealed, verified, passing core with the expected hash is attested', () => {
    expect(attest(answered(), exp(3))).toMatchObject({ verdict: 'Attested', reason: 'Attested', consecutiveFailures: 0 });
  });

  test.each([
    [{ coreSha256: 'f'.repeat(64) }, 'HashMismatch', 'differs from the expected'],
    [{ integrity: 'mismatch' as const }, 'IntegrityMismatch', 'manifest'],
    [{ integrity: 'missing' as const }, 'IntegrityMissing', 'could not find'],
    [{ selftest: 'fail' as const }, 'SelfTestFailed', 'failed'],
    [{ selftest: 'degraded' as const }, 'SelfTestDegraded', 'did not answer'],
    [{ mode: 'blocked' as const }, 'NotSealed', 'mode blocked'],
    [{ mode: 'fallback' as const }, 'NotSealed', 'mode fallback'],
    // A demo pod takes short keys: however sound its core, it must not serve an appliance's clients.
    [{ demo: true }, 'DemoMode', 'demo mode (R4_DEMO=1)'],
    // Several workers, one core each: a stray core in any worker is the pod's, whatever the top level says.
    [{ workerCoreSha256s: [expected, 'f'.repeat(64), expected] }, 'HashMismatch', "worker 1's core sha256 ffffffffffff… differs"],
    [{ workerCoreSha256s: [expected, null] }, 'IntegrityMissing', 'worker 1 of the service could not read'],
  ])('%j is cordoned with reason %s', (doc, reason, message) => {
    const a = attest(answered(doc), exp(3));
    expect(a.verdict).toBe('Cordoned');
    expect(a.reason).toBe(reason);
    expect(a.message).toContain(message);
  });

  test('every worker with the expected core is attested; a document without workers is judged as before', () => {
    expect(attest(answered({ workerCoreSha256s: [expected, expected, expected, expected] }), exp(3)).reason).toBe('Attested');
    expect(attest(answered(), exp(3)).reason).toBe('Attested');
  });

  test('a tampered core reports both a manifest mismatch and a foreign hash: the hash is the reason', () => {
    const a = attest(answered({ coreSha256: 'f'.repeat(64), integrity: 'mismatch', mode: 'blocked' }), exp(3));
    expect(a.reason).toBe('HashMismatch');
  });

  test('a malformed answer cordons at once', () => {
    const a = attest({ kind: 'malformed', reason: 'mode is not one of sealed' }, exp(3), attest(answered(), exp(3)));
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'MalformedResponse', consecutiveFailures: 1 });
  });

  test('missed probes keep the verdict until failureThreshold, then cordon as Unreachable', () => {
    let a: PodAttestation = attest(answered(), exp(3));
    a = attest(unreachable, exp(3), a);
    expect(a).toMatchObject({ verdict: 'Attested', consecutiveFailures: 1 });
    a = attest(unreachable, exp(3), a);
    expect(a).toMatchObject({ verdict: 'Attested', consecutiveFailures: 2 });
    a = attest(unreachable, exp(3), a);
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'Unreachable', consecutiveFailures: 3 });
    expect(a.message).toContain('no answer to 3 consecutive probes (last: timeout after 2000 ms)');
    expect(a.reported).toEqual(sealed);
  });

  test('a new pod that never answers stays pending, then is cordoned', () => {
    let a = attest(unreachable, exp(2));
    expect(a).toMatchObject({ verdict: 'Pending', reason: 'AwaitingFirstProbe', consecutiveFailures: 1 });
    a = attest(unreachable, exp(2), a);
    expect(a.verdict).toBe('Cordoned');
  });

  test('a new pod still starting (its container not ready) is not counted unreachable; once ready it is', () => {
    const starting = { ...exp(1), starting: true };
    let a = attest(unreachable, starting);
    expect(a).toEqual(PENDING);
    a = attest(unreachable, starting, a);
    expect(a).toEqual(PENDING);
    expect(attest(unreachable, exp(1), a)).toMatchObject({ verdict: 'Cordoned', reason: 'Unreachable' });
    const silenced = attest(unreachable, starting, attest(answered(), exp(1)));
    expect(silenced).toMatchObject({ verdict: 'Cordoned', reason: 'Unreachable' });
  });

  test('an answer after failures resets the count and uncordons', () => {
    const down = attest(unreachable, exp(1));
    expect(down.verdict).toBe('Cordoned');
    expect(attest(answered(), exp(1), down)).toMatchObject({ verdict: 'Attested', consecutiveFailures: 0 });
  });
});

describe('attestationEvents', () => {
  const attested = attest(answered(), exp(3));
  const mismatch = attest(answered({ coreSha256: 'f'.repeat(64) }), exp(3));
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

describe('signed answers and key bindings', () => {
  test('the first signed answer binds its key to the container', () => {
    expect(attest(answered(), exp(3))).toMatchObject({ verdict: 'Attested', binding: { containerId: 'cri://c1', key: KEY } });
  });

  test('a new key under the same container is AttestationSignatureInvalid, whatever the document says', () => {
    const a = attest(answered({}, OTHER_KEY), exp(3), attest(answered(), exp(3)));
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'AttestationSignatureInvalid', binding: { key: KEY } });
    expect(a.message).toContain('key changed');
  });

  test('a restarted container (new container ID) starts a new binding', () => {
    const a = attest(answered({}, OTHER_KEY), exp(3, 'cri://c2'), attest(answered(), exp(3)));
    expect(a).toMatchObject({ verdict: 'Attested', binding: { containerId: 'cri://c2', key: OTHER_KEY } });
  });

  test('an unsigned answer that claims health is AttestationSignatureInvalid', () => {
    const a = attest({ kind: 'unsigned', fields: sealed, reason: 'no key' }, exp(3));
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'AttestationSignatureInvalid' });
  });

  test('an unsigned answer that admits a fault is believed: a tampered core stays HashMismatch', () => {
    const a = attest({ kind: 'unsigned', fields: { ...sealed, coreSha256: 'f'.repeat(64), integrity: 'mismatch', mode: 'blocked' }, reason: 'the core cannot run' }, exp(3));
    expect(a).toMatchObject({ verdict: 'Cordoned', reason: 'HashMismatch' });
    expect(a.message).toContain('unsigned: the core cannot run');
  });

  test('evidence against a pod (digest, signature, certificate) cordons at once and keeps the binding', () => {
    const bound = attest(answered(), exp(3));
    for (const reason of ['ImageDigestMismatch', 'AttestationSignatureInvalid', 'CertificateRejected'] as const) {
      const a = attest({ kind: 'rejected', reason, message: 'because' }, exp(3), bound);
      expect(a).toMatchObject({ verdict: 'Cordoned', reason, message: 'because', binding: bound.binding });
      expect(attestationEvents(bound, a).map((e) => e.reason)).toEqual(['PodCordoned', reason]);
    }
  });
});
