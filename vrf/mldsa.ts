// ML-DSA-65 (FIPS 204) verification, portable: @noble/post-quantum, pure ML-DSA with the empty context, so a
// browser can check the signatures the service makes with node:crypto.
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';

export const ML_DSA_65 = { publicKeyBytes: 1952, signatureBytes: 3309 } as const;

export interface MlDsaVerifier {
  /** false for any bad input (wrong lengths included): never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Lengths first, so malformed input is a plain `false` whatever the library would do with it. */
export function mlDsa65Shaped(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return publicKey.length === ML_DSA_65.publicKeyBytes && signature.length === ML_DSA_65.signatureBytes;
}

export const nobleMlDsa65: MlDsaVerifier = {
  verify(publicKey, message, signature) {
    if (!mlDsa65Shaped(publicKey, signature)) return false;
    try {
      return ml_dsa65.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};
