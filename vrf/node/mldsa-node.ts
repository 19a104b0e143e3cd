// ML-DSA-65 (FIPS 204) for the service and the CLI, pure ML-DSA with the empty context: through the native module
// (native-module.ts: libcrux, about 6x faster at signing) where it is built, through node:crypto (OpenSSL) otherwise.
// Both give the same keys from the 32-byte seed xi (the form the keyset stores) and standard signatures.
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ML_DSA_65, mlDsa65Shaped, type MlDsaVerifier } from '../mldsa.js';
import { nativeModule, type NativeModule } from './native-module.js';

export interface MlDsaSigner {
  readonly publicKey: Uint8Array;
  /** Hedged (FIPS 204's default): fresh randomness in every signature. For /vrf answers. */
  sign(message: Uint8Array): Uint8Array;
  /**
   * Deterministic (FIPS 204, rnd = 0^32): one message, one signature, so every pod of an appliance signs a
   * beacon round byte for byte alike. Only for public messages.
   */
  signDeterministic(message: Uint8Array): Uint8Array;
}

export type MlDsaImplementation = 'libcrux/native' | 'node:crypto';

/** Which implementation signs and verifies in this process (for the benchmark and /version). */
export function mlDsaImplementation(): MlDsaImplementation {
  return nativeModule() ? 'libcrux/native' : 'node:crypto';
}

const SEED_BYTES = 32;
const DETERMINISTIC = new Uint8Array(32);

/** A Buffer from the native module as a plain Uint8Array over the same bytes. */
const bytes = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);

function nativeSigner(native: NativeModule, seed: Uint8Array): MlDsaSigner {
  const { publicKey, signingKey } = native.keyPair(seed);
  return {
    publicKey: bytes(publicKey),
    sign: (message) => bytes(native.sign(signingKey, message, randomBytes(32))),
    signDeterministic: (message) => bytes(native.sign(signingKey, message, DETERMINISTIC)),
  };
}

/**
 * PKCS#8 PrivateKeyInfo for ML-DSA-65 (OID 2.16.840.1.101.3.4.3.18) whose privateKey is the seed-only CHOICE
 * `[0] IMPLICIT OCTET STRING (32)` of the IETF LAMPS ML-DSA key format: 0x80 0x20 || seed.
 */
const PKCS8_SEED_PREFIX = Uint8Array.from([
  0x30, 0x34, // SEQUENCE, 52 bytes
  0x02, 0x01, 0x00, // version 0
  0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12, // AlgorithmIdentifier: id-ml-dsa-65
  0x04, 0x22, // privateKey OCTET STRING, 34 bytes
  0x80, 0x20, // [0] seed, 32 bytes
]);

function opensslSigner(seed: Uint8Array): MlDsaSigner {
  const der = Buffer.alloc(PKCS8_SEED_PREFIX.length + 32);
  der.set(PKCS8_SEED_PREFIX);
  der.set(seed, PKCS8_SEED_PREFIX.length);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0); // the seed lives on only inside the KeyObject (and the copy deterministic signing needs)
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = new Uint8Array(Buffer.from(String(jwk.pub), 'base64url'));
  if (publicKey.length !== ML_DSA_65.publicKeyBytes) throw new Error('node:crypto made an ML-DSA-65 key of the wrong size');
  // node:crypto offers no deterministic ML-DSA: noble signs those, with its secret key made on first use.
  const xi = seed.slice();
  let nobleSecretKey: Uint8Array | undefined;
  return {
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
    signDeterministic: (message) => ml_dsa65.sign(message, (nobleSecretKey ??= ml_dsa65.keygen(xi).secretKey), { extraEntropy: false }),
  };
}

export function mlDsa65FromSeed(seed: Uint8Array): MlDsaSigner {
  if (seed.length !== SEED_BYTES) throw new RangeError('ML-DSA-65 seed must be 32 bytes');
  const native = nativeModule();
  return native ? nativeSigner(native, seed) : opensslSigner(seed);
}

/** Importing a public key costs about as much as a verification; answers reuse a handful of keys. */
const KEY_CACHE_SIZE = 16;
const keyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const pub = Buffer.from(publicKey).toString('base64url');
  let key = keyCache.get(pub);
  if (!key) {
    key = createPublicKey({ key: { kty: 'AKP', alg: 'ML-DSA-65', pub }, format: 'jwk' });
    if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(pub, key);
  }
  return key;
}

export const nodeMlDsa65: MlDsaVerifier = {
  verify(publicKey, message, signature) {
    if (!mlDsa65Shaped(publicKey, signature)) return false;
    try {
      const native = nativeModule();
      return native ? native.verify(publicKey, message, signature) : verify(null, message, publicKeyObject(publicKey), signature);
    } catch {
      return false;
    }
  },
};
