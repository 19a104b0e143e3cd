import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { vrfKeysDocument } from '../contracts/vrf-keys-document.js';
import type { VrfKeyMaterial } from '../contracts/vrf-keyset.js';
import { answerSigningMessage, pulseSigningMessage, type BeaconPulse, type VrfAnswer } from './answer.js';
import { commitment, roundInput } from './beacon.js';
import { ecvrfProofToHash, ecvrfProver } from './ecvrf.js';
import { keyId } from './key-id.js';
import { bytesToBase64, bytesToHex } from './text.js';
import { parseTrust, type Trust } from './trust.js';
import { verifyAnswer, verifyPulses } from './verify.js';

// Test keys from fixed seeds: never used anywhere else.
const vrfSecret = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const mldsaSeed = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const prover = ecvrfProver(vrfSecret);
const mldsa = ml_dsa65.keygen(mldsaSeed);
const material: VrfKeyMaterial = {
  key_id: keyId(prover.publicKey, mldsa.publicKey),
  vrf_secret_key: bytesToHex(vrfSecret),
  mldsa_seed: bytesToHex(mldsaSeed),
  vrf_public_key: bytesToHex(prover.publicKey),
  public_key: bytesToBase64(mldsa.publicKey),
  created_at: '2026-01-01T00:00:00.000Z',
  active_from: '2026-01-01T00:00:00.000Z',
  core_sha256: 'c'.repeat(64),
};
const settings = { appliance: 'ns/demo', periodSeconds: 30, genesis: '2026-01-01T00:00:00.000Z' };
const document = vrfKeysDocument({ version: 1, keys: [material] }, settings, Date.parse('2026-06-01T00:00:00Z'));
const trust = (parseTrust(document) as { ok: true; trust: Trust }).trust;
const sign = (message: Uint8Array) => bytesToBase64(ml_dsa65.sign(message, mldsa.secretKey, { extraEntropy: false }));

const common = { suite: 'ECVRF-EDWARDS25519-SHA512-TAI', signature_algorithm: 'ML-DSA-65', appliance: 'ns/demo', key_id: material.key_id, core_sha256: 'c'.repeat(64), vrf_public_key: material.vrf_public_key, public_key: material.public_key } as const;

function evaluate(alpha: Uint8Array) {
  const proof = prover.prove(alpha);
  return { alpha: bytesToHex(alpha), proof: bytesToHex(proof), random: bytesToHex(ecvrfProofToHash(proof)) };
}

function answer(alphaHex = '00ff'): VrfAnswer {
  const unsigned = { ...common, ...evaluate(Uint8Array.from(Buffer.from(alphaHex, 'hex'))), issued_at: '2026-06-01T00:00:00.000Z' };
  return { ...unsigned, signature: sign(answerSigningMessage(unsigned)), verified: true };
}

function pulse(round: number): BeaconPulse {
  const output = (r: number) => ecvrfProofToHash(prover.prove(roundInput(document.beacon.chain_id, r, material.key_id)));
  const unsigned = {
    ...common,
    ...evaluate(roundInput(document.beacon.chain_id, round, material.key_id)),
    chain_id: document.beacon.chain_id,
    round,
    time: new Date(Date.parse(settings.genesis) + (round - 1) * 30_000).toISOString(),
    previous: round === 1 ? null : bytesToHex(output(round - 1)),
    next_commitment: commitment(output(round + 1)),
  };
  return { ...unsigned, signature: sign(pulseSigningMessage(unsigned)), verified: true };
}

const failed = (result: { checks: { name: string; ok: boolean }[] }) => result.checks.filter((c) => !c.ok).map((c) => c.name);

test('an honest answer passes every check', () => {
  const result = verifyAnswer(answer(), trust);
  expect(failed(result)).toEqual([]);
  expect(result.ok).toBe(true);
});

test.each([
  ['random', (a: VrfAnswer) => ({ ...a, random: a.random.replace(/^./, (c) => (c === '0' ? '1' : '0')) }), ['random', 'signature']],
  ['alpha', (a: VrfAnswer) => ({ ...a, alpha: '00fe' }), ['proof']],
  ['issued_at', (a: VrfAnswer) => ({ ...a, issued_at: '2026-06-01T00:00:01.000Z' }), ['signature']],
  ['appliance', (a: VrfAnswer) => ({ ...a, appliance: 'ns/other' }), ['appliance', 'signature']],
  ['key_id', (a: VrfAnswer) => ({ ...a, key_id: 'r4k-000000000000000000000000' }), ['key']],
  ['an extra field', (a: VrfAnswer) => ({ ...a, note: 'trust me' }), ['shape']],
  ['a missing field', ({ signature: _s, ...rest }: VrfAnswer) => rest, ['shape']],
  ['uppercase hex', (a: VrfAnswer) => ({ ...a, proof: a.proof.toUpperCase() }), ['shape']],
])('an answer with a changed %s fails, and says where', (_what, change, checks) => {
  expect(failed(verifyAnswer(change(answer()), trust))).toEqual(checks);
});

test('an answer re-signed by another ML-DSA key fails on the key, even with a valid signature', () => {
  const other = ml_dsa65.keygen(new Uint8Array(32).fill(9));
  const forged = { ...answer(), public_key: bytesToBase64(other.publicKey) };
  const { signature: _s, verified: _v, ...unsigned } = forged;
  forged.signature = bytesToBase64(ml_dsa65.sign(answerSigningMessage(unsigned), other.secretKey));
  expect(failed(verifyAnswer(forged, trust))).toEqual(['key']);
});

test('the proof of another alpha, with its honest output, does not pass for this alpha (no re-roll by swapping inputs)', () => {
  const honest = answer('01');
  const other = answer('02');
  const swapped = { ...honest, proof: other.proof, random: other.random };
  expect(failed(verifyAnswer(swapped, trust))).toContain('proof');
});

test('consecutive pulses verify as a chain, in any order', () => {
  const pulses = [pulse(3), pulse(1), pulse(2)];
  const result = verifyPulses(pulses, trust);
  expect(failed(result)).toEqual([]);
  expect(result.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['rounds 1→2: chained', 'rounds 2→3: precommitted']));
});

test('a pulse replaced by another round\'s output breaks the chain and the precommitment around it', () => {
  const [one, two, three] = [pulse(1), pulse(2), pulse(3)];
  const fake = { ...two, random: three.random };
  expect(failed(verifyPulses([one, fake, three], trust))).toEqual(expect.arrayContaining(['round 2: random', 'rounds 1→2: precommitted', 'rounds 2→3: chained']));
});

test('a pulse whose alpha is not the round input, or whose time is not the schedule\'s, fails', () => {
  const wrongTime = { ...pulse(2), time: '2026-01-01T00:00:31.000Z' };
  expect(failed(verifyPulses([wrongTime], trust))).toEqual(['round 2: time', 'round 2: signature']);
  const p = pulse(2);
  const moved = { ...p, round: 3 };
  expect(failed(verifyPulses([moved], trust))).toEqual(expect.arrayContaining(['round 3: input', 'round 3: signature']));
});

test('two different outputs for one round are caught', () => {
  const p = pulse(2);
  const other = { ...p, random: pulse(3).random };
  expect(failed(verifyPulses([p, other], trust))).toContain('round 2: unique');
});
