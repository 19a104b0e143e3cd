// Turns one probe of a pod's /version into that pod's attestation: pure, so every rule is unit-tested.
import type { AttestationReason, Verdict } from '../../api/v1alpha1/verdicts.js';
import type { AttestationFields } from '../../contracts/version-document.js';

export type ProbeOutcome =
  | { kind: 'answered'; fields: AttestationFields }
  | { kind: 'malformed'; reason: string }
  | { kind: 'unreachable'; reason: string };

export interface PodAttestation {
  verdict: Verdict;
  reason: AttestationReason;
  message: string;
  /** Probes in a row that got no usable answer. */
  consecutiveFailures: number;
  /** What the pod said the last time it answered well. */
  reported?: AttestationFields;
}

/** Every pod starts here: no traffic before its first successful attestation. */
export const PENDING: PodAttestation = {
  verdict: 'Pending',
  reason: 'AwaitingFirstProbe',
  message: 'the pod has not been attested yet',
  consecutiveFailures: 0,
};

const short = (sha: string) => `${sha.slice(0, 12)}…`;

/** Which of the four attestation rules an answer breaks first, if any. */
function judge(doc: AttestationFields, expectedCoreSha256: string): Pick<PodAttestation, 'reason' | 'message'> {
  if (doc.coreSha256 === null) return { reason: 'IntegrityMissing', message: 'the service could not read or hash its core' };
  if (doc.coreSha256 !== expectedCoreSha256) {
    return {
      reason: 'HashMismatch',
      message: `core sha256 ${short(doc.coreSha256)} differs from the expected ${short(expectedCoreSha256)}`,
    };
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
  return { reason: 'Attested', message: 'core verified, self-test passed, sealed, hash as expected' };
}

export function attest(
  outcome: ProbeOutcome,
  expectedCoreSha256: string,
  failureThreshold: number,
  previous: PodAttestation = PENDING,
): PodAttestation {
  switch (outcome.kind) {
    case 'answered': {
      const { reason, message } = judge(outcome.fields, expectedCoreSha256);
      const verdict: Verdict = reason === 'Attested' ? 'Attested' : 'Cordoned';
      return { verdict, reason, message, consecutiveFailures: 0, reported: outcome.fields };
    }
    case 'malformed':
      return {
        verdict: 'Cordoned',
        reason: 'MalformedResponse',
        message: outcome.reason,
        consecutiveFailures: previous.consecutiveFailures + 1,
        ...(previous.reported && { reported: previous.reported }),
      };
    case 'unreachable': {
      const failures = previous.consecutiveFailures + 1;
      if (failures >= failureThreshold) {
        return {
          verdict: 'Cordoned',
          reason: 'Unreachable',
          message: `no answer to ${failures} consecutive probes (last: ${outcome.reason})`,
          consecutiveFailures: failures,
          ...(previous.reported && { reported: previous.reported }),
        };
      }
      // One lost probe is not yet evidence: keep the verdict until the threshold is reached.
      return { ...previous, consecutiveFailures: failures };
    }
  }
}

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
  if (next.reason === 'HashMismatch' || next.reason === 'Unreachable') {
    events.push({ reason: next.reason, type: 'Warning', message: next.message });
  }
  return events;
}
