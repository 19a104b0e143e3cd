// What /vrf answers and what a beacon pulse says, and the exact bytes each signature covers. The field
// names are fixed by the public API (issue 14); `signature` covers every other field but `verified`, which
// is the server's own statement that it checked the answer before sending it.
import { VRF_SIGNATURE_ALGORITHM, VRF_SUITE } from '../contracts/vrf-keys-document.js';
import { canonicalEncoding } from './encoding.js';

/** Fields both kinds share. */
export interface SignedVrfOutput {
  suite: typeof VRF_SUITE;
  signature_algorithm: typeof VRF_SIGNATURE_ALGORITHM;
  appliance: string;
  key_id: string;
  core_sha256: string;
  /** The VRF input, hex. */
  alpha: string;
  /** pi, hex, 80 bytes. */
  proof: string;
  /** beta = proof_to_hash(pi), hex, 64 bytes. */
  random: string;
  /** hex, 32 bytes. */
  vrf_public_key: string;
  /** ML-DSA-65 public key, base64. */
  public_key: string;
  /** ML-DSA-65 signature over the canonical encoding, base64. */
  signature: string;
  verified: boolean;
}

export interface VrfAnswer extends SignedVrfOutput {
  /** RFC 3339, when the answer was made. */
  issued_at: string;
}

export interface BeaconPulse extends SignedVrfOutput {
  chain_id: string;
  round: number;
  /** RFC 3339: when the round begins (genesis + (round - 1) × period). */
  time: string;
  /** The previous round's `random`; null for round 1. */
  previous: string | null;
  /** SHA-256 of the next round's `random` (its bytes), hex: the output is fixed before it is published. */
  next_commitment: string;
}

const ANSWER_DOMAIN = 'r4/vrf/answer/v1';
const PULSE_DOMAIN = 'r4/vrf/pulse/v1';

type Unsigned<T> = Omit<T, 'signature' | 'verified'>;

const common = (o: Unsigned<SignedVrfOutput>): [string, string][] => [
  ['suite', o.suite],
  ['signature_algorithm', o.signature_algorithm],
  ['appliance', o.appliance],
  ['key_id', o.key_id],
  ['core_sha256', o.core_sha256],
  ['alpha', o.alpha],
  ['proof', o.proof],
  ['random', o.random],
  ['vrf_public_key', o.vrf_public_key],
  ['public_key', o.public_key],
];

export function answerSigningMessage(answer: Unsigned<VrfAnswer>): Uint8Array {
  return canonicalEncoding(ANSWER_DOMAIN, [...common(answer), ['issued_at', answer.issued_at]]);
}

export function pulseSigningMessage(pulse: Unsigned<BeaconPulse>): Uint8Array {
  return canonicalEncoding(PULSE_DOMAIN, [
    ...common(pulse),
    ['chain_id', pulse.chain_id],
    ['round', String(pulse.round)],
    ['time', pulse.time],
    // "" is never a valid previous output (those are 128 hex digits), so null is unambiguous.
    ['previous', pulse.previous ?? ''],
    ['next_commitment', pulse.next_commitment],
  ]);
}
