// RFC 9381 ECVRF-EDWARDS25519-SHA512-TAI (suite 0x03): the protocol only. The group operations (the scalar
// multiplications, and the strict decoding with cofactor multiplication that hash-to-curve and proof_to_hash
// need) come from an EdwardsBackend, so a native one can stand in on Node; the public key's validation
// (strict decoding, small order) is always noble's.
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { ED25519_BASE, ED25519_IDENTITY, ED25519_ORDER, type EdwardsBackend } from './edwards-backend.js';
import { nobleEdwards } from './edwards-noble.js';
import { equalBytes } from './text.js';

export type { EdwardsBackend } from './edwards-backend.js';

export const ECVRF_PROOF_BYTES = 80; // Gamma (32) || c (16) || s (32)
export const ECVRF_PUBLIC_KEY_BYTES = 32;
export { ED25519_ORDER } from './edwards-backend.js';

const { Point } = ed25519;
const SUITE = 0x03;
const C_LEN = 16;

/** RFC 8032 5.1.2 string_to_int and int_to_string: little-endian, fixed length. */
export const leToInt = (bytes: Uint8Array): bigint => bytesToNumberLE(bytes);
export const intToLe = (n: bigint, length: number): Uint8Array => numberToBytesLE(n, length);
const concat = concatBytes;

/** RFC 8032 strict decoding (rejects y >= p and x = 0 with the sign bit set); undefined when invalid. */
function decodePoint(bytes: Uint8Array): EdwardsPoint | undefined {
  try {
    return Point.fromBytes(bytes, false);
  } catch {
    return undefined;
  }
}

/**
 * RFC 9381 5.4.1.1 encode_to_curve_try_and_increment, salt = the public key's encoding: the first candidate
 * that decodes strictly and whose cofactor multiple is not the identity.
 */
export function ecvrfEncodeToCurve(publicKey: Uint8Array, alpha: Uint8Array, backend: EdwardsBackend = nobleEdwards): Uint8Array {
  for (let ctr = 0; ctr < 256; ctr++) {
    const hash = sha512(concat(Uint8Array.of(SUITE, 0x01), publicKey, alpha, Uint8Array.of(ctr, 0x00)));
    const h = backend.cofactorMultiple(hash.subarray(0, 32));
    if (h !== undefined && !equalBytes(h, ED25519_IDENTITY)) return h;
  }
  // Probability about 2^-256; RFC 9381 says to fail here.
  throw new Error('ECVRF encode_to_curve found no point');
}

/** RFC 9381 5.4.3 challenge generation (P1..P5 = Y, H, Gamma, U, V), cLen = 16. */
export function ecvrfChallenge(y: Uint8Array, h: Uint8Array, gamma: Uint8Array, u: Uint8Array, v: Uint8Array): bigint {
  const hash = sha512(concat(Uint8Array.of(SUITE, 0x02), y, h, gamma, u, v, Uint8Array.of(0x00)));
  return leToInt(hash.subarray(0, C_LEN));
}

/** RFC 8032 5.1.5 secret expansion: the clamped scalar x (reduced mod L, same point on the subgroup) and the nonce prefix. */
function expandSecretKey(secretKey: Uint8Array): { x: bigint; prefix: Uint8Array } {
  if (secretKey.length !== 32) throw new RangeError('ECVRF secret key must be 32 bytes');
  const digest = sha512(secretKey);
  const clamped = digest.slice(0, 32);
  clamped[0]! &= 248;
  clamped[31]! &= 127;
  clamped[31]! |= 64;
  return { x: leToInt(clamped) % ED25519_ORDER, prefix: digest.slice(32) };
}

export interface EcvrfProver {
  readonly publicKey: Uint8Array;
  prove(alpha: Uint8Array): Uint8Array;
  /** pi and beta = proof_to_hash(pi) together: beta from the Gamma just computed, not decoded again. */
  evaluate(alpha: Uint8Array): { proof: Uint8Array; output: Uint8Array };
}

export function ecvrfProver(secretKey: Uint8Array, backend: EdwardsBackend = nobleEdwards): EcvrfProver {
  const { x, prefix } = expandSecretKey(secretKey);
  const publicKey = backend.mulBase(x);
  const evaluate = (alpha: Uint8Array) => {
    const h = ecvrfEncodeToCurve(publicKey, alpha, backend);
    const gamma = backend.mul(x, h);
    // RFC 9381 5.4.2.2: k = SHA-512(prefix || h) mod L, deterministic, never 0 but by a 2^-252 accident.
    const k = leToInt(sha512(concat(prefix, h))) % ED25519_ORDER;
    const c = ecvrfChallenge(publicKey, h, gamma, backend.mulBase(k), backend.mul(k, h));
    const s = (k + c * x) % ED25519_ORDER;
    return { proof: concat(gamma, intToLe(c, C_LEN), intToLe(s, 32)), output: hashGamma(backend.cofactorMultiple(gamma)!) };
  };
  return {
    publicKey: publicKey.slice(),
    prove: (alpha) => evaluate(alpha).proof,
    evaluate,
  };
}

export function ecvrfPublicKey(secretKey: Uint8Array, backend: EdwardsBackend = nobleEdwards): Uint8Array {
  return backend.mulBase(expandSecretKey(secretKey).x);
}

export type EcvrfVerdict = { valid: true; beta: Uint8Array } | { valid: false; reason: string };

/** `clearedGamma`: 8·Gamma, what proof_to_hash hashes. */
type DecodedProof = { gamma: Uint8Array; clearedGamma: Uint8Array; c: bigint; s: bigint } | { reason: string };

/** RFC 9381 5.4.4 decode_proof: exact length, Gamma decodes strictly, s canonical (< L). */
function decodeProof(pi: Uint8Array, backend: EdwardsBackend): DecodedProof {
  if (pi.length !== ECVRF_PROOF_BYTES) return { reason: `proof must be ${ECVRF_PROOF_BYTES} bytes, got ${pi.length}` };
  const gamma = pi.slice(0, 32);
  const clearedGamma = backend.cofactorMultiple(gamma);
  if (!clearedGamma) return { reason: 'proof Gamma is not a valid point encoding' };
  const s = leToInt(pi.subarray(48, 80));
  if (s >= ED25519_ORDER) return { reason: 'proof scalar s is not canonical (s >= L)' };
  return { gamma, clearedGamma, c: leToInt(pi.subarray(32, 48)), s };
}

/** beta = SHA-512(suite || 0x03 || encode(8·Gamma) || 0x00) (RFC 9381 5.2). */
function hashGamma(clearedGamma: Uint8Array): Uint8Array {
  return sha512(concat(Uint8Array.of(SUITE, 0x03), clearedGamma, Uint8Array.of(0x00)));
}

/** Keys that passed validate_key lately: a verifier sees the same few keys, and decoding one costs a square root. */
const VALID_KEY_CACHE_SIZE = 16;
const validKeys = new Set<string>();

/** RFC 9381 5.4.5 ECVRF_validate_key: decodes strictly and is not of small order; undefined when valid. */
function publicKeyFault(publicKey: Uint8Array): string | undefined {
  if (publicKey.length !== ECVRF_PUBLIC_KEY_BYTES) return `public key must be 32 bytes, got ${publicKey.length}`;
  const key = Array.from(publicKey, (byte) => byte.toString(16).padStart(2, '0')).join('');
  if (validKeys.has(key)) return undefined;
  const y = decodePoint(publicKey);
  if (!y) return 'public key is not a valid point encoding';
  // A small-order key would let anyone "prove" for it (the test forges such a proof).
  if (y.isSmallOrder()) return 'public key is of small order';
  if (validKeys.size >= VALID_KEY_CACHE_SIZE) validKeys.delete(validKeys.values().next().value!);
  validKeys.add(key);
  return undefined;
}

/** RFC 9381 5.3 verify, with validate_key. */
export function ecvrfVerify(publicKey: Uint8Array, alpha: Uint8Array, pi: Uint8Array, backend: EdwardsBackend = nobleEdwards): EcvrfVerdict {
  const fault = publicKeyFault(publicKey);
  if (fault) return { valid: false, reason: fault };
  const proof = decodeProof(pi, backend);
  if ('reason' in proof) return { valid: false, reason: proof.reason };
  const { gamma, clearedGamma, c, s } = proof;
  const h = ecvrfEncodeToCurve(publicKey, alpha, backend);
  const u = backend.mulSub(s, ED25519_BASE, c, publicKey);
  const v = backend.mulSub(s, h, c, gamma);
  if (ecvrfChallenge(publicKey, h, gamma, u, v) !== c) return { valid: false, reason: 'proof does not verify (challenge mismatch)' };
  return { valid: true, beta: hashGamma(clearedGamma) };
}

/** RFC 9381 5.2 proof_to_hash, without verifying the proof. Throws on a pi that does not decode. */
export function ecvrfProofToHash(pi: Uint8Array, backend: EdwardsBackend = nobleEdwards): Uint8Array {
  const proof = decodeProof(pi, backend);
  if ('reason' in proof) throw new RangeError(`ECVRF proof does not decode: ${proof.reason}`);
  return hashGamma(proof.clearedGamma);
}
