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
  'MalformedResponse',
  'Unreachable',
] as const;
export type AttestationReason = (typeof ATTESTATION_REASONS)[number];
