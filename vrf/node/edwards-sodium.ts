// The Node Edwards25519 backend: libsodium (through sodium-native's prebuilt N-API binary) for the scalar
// multiplications, about 9x faster than noble's. libsodium refuses small-order points, points outside the
// prime-order subgroup and identity results; in each such case the operation falls back to noble, so this
// backend's answers equal nobleEdwards' on every input (crafted proofs with torsion components included).
import sodium from 'sodium-native';
import { ED25519_BASE, type EdwardsBackend } from '../edwards-backend.js';
import { intToLe } from '../ecvrf.js';
import { nobleEdwards } from '../edwards-noble.js';

const POINT_BYTES = 32;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** libsodium's answer, or noble's when libsodium refuses (it throws on every non-zero return). */
function withFallback(native: (out: Uint8Array) => void, portable: () => Uint8Array): Uint8Array {
  const out = new Uint8Array(POINT_BYTES);
  try {
    native(out);
    return out;
  } catch {
    return portable();
  }
}

// _noclamp: the scalar is used as given (all ours are < L < 2^253), not clamped as X25519 keys are.
const mulBase = (scalar: bigint) =>
  withFallback((out) => sodium.crypto_scalarmult_ed25519_base_noclamp(out, intToLe(scalar, 32)), () => nobleEdwards.mulBase(scalar));

const mul = (scalar: bigint, point: Uint8Array) =>
  withFallback((out) => sodium.crypto_scalarmult_ed25519_noclamp(out, intToLe(scalar, 32), point), () => nobleEdwards.mul(scalar, point));

/** A public-scalar multiple: fixed-base for B; s = 0 and torsion points fall to noble's exact multiplyUnsafe. */
function mulPublic(scalar: bigint, point: Uint8Array): Uint8Array {
  const portable = () => nobleEdwards.mulSub(scalar, point, 0n, ED25519_BASE);
  const n = intToLe(scalar, 32);
  return sameBytes(point, ED25519_BASE)
    ? withFallback((out) => sodium.crypto_scalarmult_ed25519_base_noclamp(out, n), portable)
    : withFallback((out) => sodium.crypto_scalarmult_ed25519_noclamp(out, n, point), portable);
}

/**
 * RFC 8032 strictness that libsodium's decoder lacks: it reads y modulo p (so y >= p passes) and takes x = 0
 * with the sign bit set. Those encodings are refused here, before libsodium sees them. The only y >= p are
 * 2^255 - 19 .. 2^255 - 1; the only points with x = 0 are y = 1 and y = p - 1.
 */
export function strictEncoding(b: Uint8Array): boolean {
  if (b.length !== POINT_BYTES) return false;
  let middleFF = true;
  let middleZero = true;
  for (let i = 1; i < 31; i++) {
    middleFF &&= b[i] === 0xff;
    middleZero &&= b[i] === 0;
  }
  const top = b[31]! & 0x7f;
  if (middleFF && top === 0x7f && b[0]! >= 0xed) return false;
  const signBit = (b[31]! & 0x80) !== 0;
  const yIsOne = b[0] === 1 && middleZero && top === 0;
  const yIsMinusOne = b[0] === 0xec && middleFF && top === 0x7f;
  return !(signBit && (yIsOne || yIsMinusOne));
}

/**
 * 8·P by three doublings with crypto_core_ed25519_add, which decodes any point on the curve (torsion and the
 * identity included) and refuses bytes that decode to none: the same verdicts as noble's strict decoder once
 * strictEncoding has run (vrf/ecvrf.test.ts compares the two on random and crafted encodings).
 */
function cofactorMultiple(encoding: Uint8Array): Uint8Array | undefined {
  if (!strictEncoding(encoding)) return undefined;
  const a = new Uint8Array(POINT_BYTES);
  const b = new Uint8Array(POINT_BYTES);
  try {
    sodium.crypto_core_ed25519_add(a, encoding, encoding);
  } catch {
    return undefined;
  }
  sodium.crypto_core_ed25519_add(b, a, a);
  sodium.crypto_core_ed25519_add(a, b, b);
  return a;
}

export const sodiumEdwards: EdwardsBackend = {
  name: 'sodium',
  mulBase,
  mul,
  mulSub: (s, p, c, q) => {
    const sp = mulPublic(s, p);
    const cq = mulPublic(c, q);
    return withFallback((out) => sodium.crypto_core_ed25519_sub(out, sp, cq), () => nobleEdwards.mulSub(1n, sp, 1n, cq));
  },
  cofactorMultiple,
};
