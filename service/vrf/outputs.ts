// Makes a /vrf answer or a beacon pulse, and verifies it with the same code `r4 verify` runs before it
// leaves: an answer that does not verify is never sent (verified: true is a statement, not a default).
import { VRF_SIGNATURE_ALGORITHM, VRF_SUITE } from '../../contracts/vrf-keys-document.js';
import { answerSigningMessage, pulseSigningMessage, type BeaconPulse, type VrfAnswer } from '../../vrf/answer.js';
import { commitment, roundInput, roundStartMs, type BeaconSchedule } from '../../vrf/beacon.js';
import { nodeProvider } from '../../vrf/node/provider.js';
import { bytesToBase64, bytesToHex } from '../../vrf/text.js';
import type { Trust } from '../../vrf/trust.js';
import { verifyAnswer, verifyPulses, type Verification } from '../../vrf/verify.js';
import { keyAt, type Keyring, type KeyringKey } from './keyring.js';

export interface Issuer {
  appliance: string;
  /** The core this process runs, as attested. */
  coreSha256: string;
}

export interface Beacon {
  chainId: string;
  schedule: BeaconSchedule;
}

/** The service's own answer failed its verification: a fault, so nothing is sent. */
export class SelfCheckFailed extends Error {}

function selfChecked<T>(output: T, verification: Verification): T {
  if (verification.ok) return output;
  const failed = verification.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  throw new SelfCheckFailed(`the answer failed its own verification (${failed.join('; ')})`);
}

const keyFields = (key: KeyringKey) => ({ key_id: key.material.key_id, vrf_public_key: key.material.vrf_public_key, public_key: key.material.public_key });

function evaluate(key: KeyringKey, alpha: Uint8Array): { proof: Uint8Array; random: Uint8Array } {
  const { proof, output } = key.prover.evaluate(alpha);
  return { proof, random: output };
}

export function makeAnswer(keyring: Keyring, trust: Trust, issuer: Issuer, alpha: Uint8Array, nowMs: number): VrfAnswer {
  const key = keyAt(keyring, nowMs);
  const { proof, random } = evaluate(key, alpha);
  const unsigned = {
    suite: VRF_SUITE,
    signature_algorithm: VRF_SIGNATURE_ALGORITHM,
    appliance: issuer.appliance,
    ...keyFields(key),
    core_sha256: issuer.coreSha256,
    alpha: bytesToHex(alpha),
    proof: bytesToHex(proof),
    random: bytesToHex(random),
    issued_at: new Date(nowMs).toISOString(),
  } as const;
  const answer: VrfAnswer = { ...unsigned, signature: bytesToBase64(key.signer.sign(answerSigningMessage(unsigned))), verified: true };
  return selfChecked(answer, verifyAnswer(answer, trust, nodeProvider));
}

/** Round r's output with the key in force at its start: what the rounds before and after refer to. */
export function roundOutput(keyring: Keyring, beacon: Beacon, round: number): { key: KeyringKey; alpha: Uint8Array; proof: Uint8Array; random: Uint8Array } {
  const key = keyAt(keyring, roundStartMs(beacon.schedule, round));
  const alpha = roundInput(beacon.chainId, round, key.material.key_id);
  return { key, alpha, ...evaluate(key, alpha) };
}

/** `outputOf` gives a round's output (the caller caches it: a pulse needs its neighbours' too). */
export function makePulse(keyring: Keyring, trust: Trust, issuer: Issuer, beacon: Beacon, round: number, outputOf: (round: number) => Uint8Array): BeaconPulse {
  const own = roundOutput(keyring, beacon, round);
  const unsigned = {
    suite: VRF_SUITE,
    signature_algorithm: VRF_SIGNATURE_ALGORITHM,
    appliance: issuer.appliance,
    ...keyFields(own.key),
    core_sha256: issuer.coreSha256,
    chain_id: beacon.chainId,
    round,
    time: new Date(roundStartMs(beacon.schedule, round)).toISOString(),
    alpha: bytesToHex(own.alpha),
    proof: bytesToHex(own.proof),
    random: bytesToHex(own.random),
    previous: round === 1 ? null : bytesToHex(outputOf(round - 1)),
    next_commitment: commitment(outputOf(round + 1)),
  } as const;
  const pulse: BeaconPulse = { ...unsigned, signature: bytesToBase64(own.key.signer.signDeterministic(pulseSigningMessage(unsigned))), verified: true };
  return selfChecked(pulse, verifyPulses([pulse], trust, nodeProvider));
}
