// Verification of /vrf answers and beacon pulses, offline, from a trust file: the checks `r4 verify`
// prints, and the dashboard runs in a browser. Each check says what it found; nothing here needs a network.
import { answerSigningMessage, pulseSigningMessage, type BeaconPulse, type SignedVrfOutput, type VrfAnswer } from './answer.js';
import { commitment, roundInputHex, roundStartMs } from './beacon.js';
import { ecvrfVerify } from './ecvrf.js';
import { portableProvider, type VerifyProvider } from './provider.js';
import { answerShape, pulseShape } from './shape.js';
import { base64ToBytes, bytesToHex, equalBytes, hexToBytes } from './text.js';
import type { Trust } from './trust.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  ok: boolean;
  checks: CheckResult[];
}

class Checks {
  readonly list: CheckResult[] = [];
  add(name: string, ok: boolean, pass: string, fail: string): boolean {
    this.list.push({ name, ok, detail: ok ? pass : fail });
    return ok;
  }
  result(): Verification {
    return { ok: this.list.every((c) => c.ok), checks: this.list };
  }
}

/** The checks every signed output gets: key, proof, output, signature. */
function verifyOutput(output: SignedVrfOutput, message: Uint8Array, trust: Trust, provider: VerifyProvider, checks: Checks): void {
  const trusted = trust.keys.get(output.key_id);
  if (!checks.add('key', trusted !== undefined, `key ${output.key_id} is in the trust file`, `key ${output.key_id} is not in the trust file`)) return;
  const { vrfPublicKey, mldsaPublicKey, mldsaPublicKeyText } = trusted!;
  const same = output.vrf_public_key === bytesToHex(vrfPublicKey) && output.public_key === mldsaPublicKeyText;
  if (!checks.add('key', same, 'its public keys are the trusted ones', `the answer's public keys are not those the trust file gives ${output.key_id}`)) return;
  if (trust.appliance !== undefined) checks.add('appliance', output.appliance === trust.appliance, `appliance ${output.appliance}`, `the answer names appliance ${output.appliance}, the trust file ${trust.appliance}`);
  const verdict = ecvrfVerify(vrfPublicKey, hexToBytes(output.alpha), hexToBytes(output.proof), provider.edwards);
  if (!checks.add('proof', verdict.valid, 'the ECVRF proof is valid for this key and alpha', `the ECVRF proof does not verify: ${verdict.valid ? '' : verdict.reason}`)) return;
  checks.add('random', verdict.valid && equalBytes(verdict.beta, hexToBytes(output.random)), 'random = proof_to_hash(proof)', 'random is not the proof\'s output (proof_to_hash)');
  checks.add('signature', provider.mldsa.verify(mldsaPublicKey, message, base64ToBytes(output.signature)!), 'the ML-DSA-65 signature covers every field', 'the ML-DSA-65 signature does not verify over the answer\'s fields');
}

export function verifyAnswer(json: unknown, trust: Trust, provider: VerifyProvider = portableProvider): Verification {
  const checks = new Checks();
  const shape = answerShape(json);
  if (!checks.add('shape', shape.ok, 'every field present and well formed', shape.ok ? '' : shape.detail)) return checks.result();
  const answer = (shape as { value: VrfAnswer }).value;
  verifyOutput(answer, answerSigningMessage(answer), trust, provider, checks);
  return checks.result();
}

function verifyPulse(pulse: BeaconPulse, trust: Trust, provider: VerifyProvider, checks: Checks): void {
  const expectedAlpha = roundInputHex(pulse.chain_id, pulse.round, pulse.key_id);
  checks.add(`round ${pulse.round}: input`, pulse.alpha === expectedAlpha, 'alpha = H(chain id, round, key id)', `alpha is not the round's input (${expectedAlpha})`);
  checks.add(`round ${pulse.round}: previous`, (pulse.round === 1) === (pulse.previous === null), 'previous is null exactly for round 1', 'previous must be null for round 1 and only then');
  const beacon = trust.beacon;
  if (beacon !== undefined) {
    if (checks.add(`round ${pulse.round}: chain`, pulse.chain_id === beacon.chain_id, `chain ${pulse.chain_id}`, `the pulse is of chain ${pulse.chain_id}, the trust file's is ${beacon.chain_id}`)) {
      const start = roundStartMs({ genesisMs: Date.parse(beacon.genesis), periodSeconds: beacon.period_seconds }, pulse.round);
      checks.add(`round ${pulse.round}: time`, Date.parse(pulse.time) === start, 'time = genesis + (round - 1) × period', `time ${pulse.time} is not the round's start ${new Date(start).toISOString()}`);
    }
  }
  const scoped = new Checks();
  verifyOutput(pulse, pulseSigningMessage(pulse), trust, provider, scoped);
  for (const check of scoped.list) checks.list.push({ ...check, name: `round ${pulse.round}: ${check.name}` });
}

/**
 * Pulses of one chain, in any order: each on its own, then every two consecutive rounds: the later one's
 * `previous` is the earlier one's output, and the earlier one's commitment is the later one's output hash.
 */
export function verifyPulses(jsons: readonly unknown[], trust: Trust, provider: VerifyProvider = portableProvider): Verification {
  const checks = new Checks();
  const pulses: BeaconPulse[] = [];
  for (const [index, json] of jsons.entries()) {
    const shape = pulseShape(json);
    if (checks.add(`pulse ${index}: shape`, shape.ok, 'every field present and well formed', shape.ok ? '' : shape.detail)) pulses.push((shape as { value: BeaconPulse }).value);
  }
  for (const pulse of pulses) verifyPulse(pulse, trust, provider, checks);
  const byRound = [...pulses].sort((a, b) => a.round - b.round);
  for (let i = 1; i < byRound.length; i++) {
    const [earlier, later] = [byRound[i - 1]!, byRound[i]!];
    if (earlier.chain_id !== later.chain_id) {
      checks.add('chain', false, '', `rounds ${earlier.round} and ${later.round} are of different chains`);
      continue;
    }
    if (earlier.round === later.round) {
      checks.add(`round ${later.round}: unique`, equalBytes(hexToBytes(earlier.random), hexToBytes(later.random)), '', `two different outputs for round ${later.round}`);
      continue;
    }
    if (later.round !== earlier.round + 1) continue;
    const step = `rounds ${earlier.round}→${later.round}`;
    checks.add(`${step}: chained`, later.previous === earlier.random, 'the later pulse carries the earlier output', `round ${later.round}'s previous is not round ${earlier.round}'s random`);
    checks.add(`${step}: precommitted`, earlier.next_commitment === commitment(hexToBytes(later.random)), 'the earlier pulse committed to the later output', `round ${earlier.round}'s next_commitment is not SHA-256 of round ${later.round}'s random`);
  }
  return checks.result();
}
