// The portable Edwards25519 backend: @noble/curves' audited arithmetic, runs in a browser too.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { EdwardsBackend } from './edwards-backend.js';

const { Point } = ed25519;

export const nobleEdwards: EdwardsBackend = {
  name: 'noble',
  // multiply() is noble's constant-time ladder, for secret scalars.
  mulBase: (scalar) => Point.BASE.multiply(scalar).toBytes(),
  mul: (scalar, point) => Point.fromBytes(point).multiply(scalar).toBytes(),
  // multiplyUnsafe() is variable-time: only ever given public proof scalars. It computes the exact integer
  // multiple, so torsion components of P and Q are kept, as RFC 9381 requires.
  mulSub: (s, p, c, q) => Point.fromBytes(p).multiplyUnsafe(s).subtract(Point.fromBytes(q).multiplyUnsafe(c)).toBytes(),
  cofactorMultiple: (encoding) => {
    let point;
    try {
      // zip215 = false: RFC 8032's strict decoding.
      point = Point.fromBytes(encoding, false);
    } catch {
      return undefined;
    }
    return point.clearCofactor().toBytes();
  },
};
