// The group operations ECVRF needs from an Edwards25519 implementation, so a native one can replace the portable
// one for speed. Points travel as 32-byte RFC 8032 encodings: small, and the form libsodium takes anyway.
import { ed25519 } from '@noble/curves/ed25519.js';

/**
 * Every implementation must give byte-identical results on every input, torsion components included (the tests
 * hold the Node one to it against the portable one).
 */
export interface EdwardsBackend {
  readonly name: string;
  /** scalar·B for a SECRET scalar in [1, L): constant time. */
  mulBase(scalar: bigint): Uint8Array;
  /** scalar·P for a SECRET scalar in [1, L) and a point P of the prime-order subgroup: constant time. */
  mul(scalar: bigint, point: Uint8Array): Uint8Array;
  /** s·P − c·Q for PUBLIC scalars s, c in [0, L) and decodable points P, Q (any torsion): verification. */
  mulSub(s: bigint, p: Uint8Array, c: bigint, q: Uint8Array): Uint8Array;
  /**
   * 8·P for an RFC 8032-strict encoding of a point P (any torsion, the identity included); undefined when the
   * bytes are not one (y >= p, x = 0 with the sign bit set, or no such point). Hash-to-curve tries about two
   * candidates per call, and proof_to_hash needs it too, so it is worth a fast path.
   */
  cofactorMultiple(encoding: Uint8Array): Uint8Array | undefined;
}

/** The identity's encoding: the one result of cofactorMultiple that hash-to-curve must not take. */
export const ED25519_IDENTITY: Uint8Array = ed25519.Point.ZERO.toBytes();

/** The base point's encoding, so a backend can spot s·B and use a fixed-base method. */
export const ED25519_BASE: Uint8Array = ed25519.Point.BASE.toBytes();

/** L, the order of the prime-order subgroup (q in RFC 9381). */
export const ED25519_ORDER: bigint = ed25519.Point.Fn.ORDER;
