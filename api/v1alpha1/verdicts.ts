// What the operator concludes about each pod, and why: the values of a pod's status entry and of its
// r4.dev/attested condition's reason.

export const VERDICTS = ['Attested', 'Cordoned', 'Pending'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const ATTESTATION_REASONS = [
  'Attested',
  'AwaitingFirstProbe',
  'HashMismatch',
  'IntegrityMismatch',
  'IntegrityMissing',
  'SelfTestFailed',
  'SelfTestDegraded',
  'NotSealed',
  /** The pod runs in demo mode (R4_DEMO=1): it accepts short API keys, which no appliance should serve with. */
  'DemoMode',
  'MalformedResponse',
  'Unreachable',
  /** The kubelet reports an image digest other than the one in force. */
  'ImageDigestMismatch',
  /** Unsigned while claiming health, signed with a wrong or changed key, or an answer to another nonce. */
  'AttestationSignatureInvalid',
  /** The pod's TLS certificate does not verify against the appliance's CA (expired, other CA, wrong name). */
  'CertificateRejected',
] as const;
export type AttestationReason = (typeof ATTESTATION_REASONS)[number];
