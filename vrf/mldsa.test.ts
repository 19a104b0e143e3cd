// The portable ML-DSA-65 verifier: pure ML-DSA with the empty context, and `false` (never a throw) on anything malformed.
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ML_DSA_65, nobleMlDsa65 } from './mldsa.js';

const keys = ml_dsa65.keygen(new Uint8Array(32).fill(7));
const message = new TextEncoder().encode('r4 answer');
const signature = ml_dsa65.sign(message, keys.secretKey);

describe('nobleMlDsa65', () => {
  it('accepts a signature over the message under its key, with the sizes FIPS 204 gives ML-DSA-65', () => {
    expect(keys.publicKey).toHaveLength(ML_DSA_65.publicKeyBytes);
    expect(signature).toHaveLength(ML_DSA_65.signatureBytes);
    expect(nobleMlDsa65.verify(keys.publicKey, message, signature)).toBe(true);
  });

  it('rejects another key, another message, a one-bit flip, and a signature made under a context', () => {
    const other = ml_dsa65.keygen(new Uint8Array(32).fill(8)).publicKey;
    expect(nobleMlDsa65.verify(other, message, signature)).toBe(false);
    expect(nobleMlDsa65.verify(keys.publicKey, new TextEncoder().encode('r4 answes'), signature)).toBe(false);
    const flipped = signature.slice();
    flipped[100]! ^= 1;
    expect(nobleMlDsa65.verify(keys.publicKey, message, flipped)).toBe(false);
    expect(nobleMlDsa65.verify(keys.publicKey, message, ml_dsa65.sign(message, keys.secretKey, { context: Uint8Array.of(1) }))).toBe(false);
  });

  it('answers false, without throwing, for a public key or signature of the wrong length', () => {
    for (const [publicKey, sig] of [
      [keys.publicKey.subarray(1), signature],
      [Uint8Array.of(...keys.publicKey, 0), signature],
      [keys.publicKey, signature.subarray(1)],
      [keys.publicKey, Uint8Array.of(...signature, 0)],
      [new Uint8Array(0), new Uint8Array(0)],
    ] as const)
      expect(nobleMlDsa65.verify(publicKey, message, sig)).toBe(false);
  });
});
