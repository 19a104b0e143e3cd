// Turns one probe of a pod into that pod's attestation: pure, so every rule is unit-tested.
//
// What a pod says is believed only when it is signed, for this probe's nonce, by the key bound to its
// container at first contact. An unsigned answer is believed only where it admits a fault (claiming to be
// broken gains a pod nothing); one that claims health is cordoned as AttestationSignatureInvalid.
import type { AttestationReason, Verdict } from '../../api/v1alpha1/verdicts.js';
import type { AttestationFields } from '../../contracts/version-document.js';

export type ProbeOutcome =
  /** Signed for this probe's nonce, pod and container, and the signature verifies under `key`. */
  | { kind: 'answered'; fields: AttestationFields; key: string }
  /** A well-formed answer without a signature; the pod says why (`reason`). */
  | { kind: 'unsigned'; fields: AttestationFields; reason: string }
  /** Evidence against the pod, judged at once: a wrong image digest, a bad signature, a rejected certificate. */
  | { kind: 'rejected'; reason: AttestationReason; message: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'unreachable'; reason: string };

/** An attestation key bound to one container of a pod (a restarted container gets a new binding). */
export interface KeyBinding {
  containerId: string;
  /** The raw Ed25519 public key, base64. */
  key: string;
}

export interface PodAttestation {
  verdict: Verdict;
  reason: AttestationReason;
  message: string;
  /** Probes in a row that got no usable answer. */
  consecutiveFailures: number;
  /** What the pod said the last time it answered well. */
  reported?: AttestationFields;
  binding?: KeyBinding;
}

/** Every pod starts here: no traffic before its first successful attestation. */
export const PENDING: PodAttestation = {
  verdict: 'Pending',
  reason: 'AwaitingFirstProbe',
  message: 'the pod has not been attested yet',
  consecutiveFailures: 0,
};

export interface Expectation {
  expectedCoreSha256: string;
  failureThreshold: number;
  /** The container the kubelet reports now, which the answer's key is bound to. */
  containerId: string;
  /** The container has not passed its readiness probe yet: its service may not listen yet. */
  starting?: boolean;
}

const short = (text: string) => `${text.slice(0, 12)}…`;

/** Which of the attestation rules a document breaks first, if any. */
function judge(doc: AttestationFields, expectedCoreSha256: string): Pick<PodAttestation, 'reason' | 'message'> {
  if (doc.coreSha256 === null) return { reason: 'IntegrityMissing', message: 'the service could not read or hash its core' };
  if (doc.coreSha256 !== expectedCoreSha256) {
    return {
      reason: 'HashMismatch',
      message: `core sha256 ${short(doc.coreSha256)} differs from the expected ${short(expectedCoreSha256)}`,
    };
  }
  // A service with several workers runs one core per worker: each must be the expected core, not only the
  // worst one the top-level fields name.
  const stray = doc.workerCoreSha256s?.findIndex((hash) => hash !== expectedCoreSha256) ?? -1;
  if (stray >= 0) {
    const hash = doc.workerCoreSha256s?.[stray] ?? null;
    return hash === null
      ? { reason: 'IntegrityMissing', message: `worker ${stray} of the service could not read or hash its core` }
      : { reason: 'HashMismatch', message: `worker ${stray}'s core sha256 ${short(hash)} differs from the expected ${short(expectedCoreSha256)}` };
  }
  if (doc.integrity !== 'verified') {
    return doc.integrity === 'missing'
      ? { reason: 'IntegrityMissing', message: 'the service could not find or hash its core' }
      : { reason: 'IntegrityMismatch', message: "the core does not match the service's manifest" };
  }
  if (doc.selftest !== 'pass') {
    return doc.selftest === 'fail'
      ? { reason: 'SelfTestFailed', message: "the core's power-on self-test failed" }
      : { reason: 'SelfTestDegraded', message: "the core's self-test did not answer in time" };
  }
  if (doc.mode !== 'sealed') {
    return { reason: 'NotSealed', message: `the service is in mode ${doc.mode}, not sealed` };
  }
  if (doc.demo) {
    return { reason: 'DemoMode', message: 'the service runs in demo mode (R4_DEMO=1), which accepts short API keys' };
  }
  return { reason: 'Attested', message: 'signed by its container key; core verified, self-test passed, sealed, hash as expected' };
}

const cordoned = (reason: AttestationReason, message: string, previous: PodAttestation, failures: number): PodAttestation => ({
  verdict: 'Cordoned',
  reason,
  message,
  consecutiveFailures: failures,
  ...(previous.reported && { reported: previous.reported }),
  ...(previous.binding && { binding: previous.binding }),
});

export function attest(outcome: ProbeOutcome, expectation: Expectation, previous: PodAttestation = PENDING): PodAttestation {
  switch (outcome.kind) {
    case 'answered': {
      const bound = previous.binding;
      if (bound && bound.containerId === expectation.containerId && bound.key !== outcome.key) {
        return cordoned(
          'AttestationSignatureInvalid',
          `the container's attestation key changed: bound to ${short(bound.key)} at first contact, now signed by ${short(outcome.key)}`,
          previous,
          0,
        );
      }
      const { reason, message } = judge(outcome.fields, expectation.expectedCoreSha256);
      return {
        verdict: reason === 'Attested' ? 'Attested' : 'Cordoned',
        reason,
        message,
        consecutiveFailures: 0,
        reported: outcome.fields,
        binding: { containerId: expectation.containerId, key: outcome.key },
      };
    }
    case 'unsigned': {
      const { reason, message } = judge(outcome.fields, expectation.expectedCoreSha256);
      if (reason === 'Attested') {
        return cordoned('AttestationSignatureInvalid', `an unsigned answer that claims a sealed, verified core (${outcome.reason})`, previous, 0);
      }
      return { ...cordoned(reason, `${message} (unsigned: ${outcome.reason})`, previous, 0), reported: outcome.fields };
    }
    case 'rejected':
      return cordoned(outcome.reason, outcome.message, previous, previous.consecutiveFailures + 1);
    case 'malformed':
      return cordoned('MalformedResponse', outcome.reason, previous, previous.consecutiveFailures + 1);
    case 'unreachable': {
      // A pod that never answered and whose service is still starting is not missing probes, only early:
      // it stays Pending (out of traffic) rather than being cordoned and reported before it ever listened.
      if (expectation.starting && previous.verdict === 'Pending') return previous;
      const failures = previous.consecutiveFailures + 1;
      if (failures >= expectation.failureThreshold) {
        return cordoned('Unreachable', `no answer to ${failures} consecutive probes (last: ${outcome.reason})`, previous, failures);
      }
      // One lost probe is not yet evidence: keep the verdict until the threshold is reached.
      return { ...previous, consecutiveFailures: failures };
    }
  }
}

/** Reasons that also get an Event of their own, for `kubectl get events --field-selector reason=...`. */
const NAMED_EVENTS: readonly AttestationReason[] = ['HashMismatch', 'Unreachable', 'ImageDigestMismatch', 'AttestationSignatureInvalid', 'CertificateRejected'];

/** The Kubernetes Events a person should see for a change of attestation. */
export function attestationEvents(
  previous: PodAttestation,
  next: PodAttestation,
): { reason: string; type: 'Normal' | 'Warning'; message: string }[] {
  if (previous.verdict === next.verdict && previous.reason === next.reason) return [];
  if (next.verdict === 'Attested') return [{ reason: 'PodAttested', type: 'Normal', message: next.message }];
  if (next.verdict !== 'Cordoned') return [];
  const events: { reason: string; type: 'Normal' | 'Warning'; message: string }[] = [
    { reason: 'PodCordoned', type: 'Warning', message: `${next.reason}: ${next.message}` },
  ];
  if (NAMED_EVENTS.includes(next.reason)) events.push({ reason: next.reason, type: 'Warning', message: next.message });
  return events;
}
