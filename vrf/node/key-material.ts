// One VRF key of an appliance, made from 64 bytes of the entropy core: bytes 0..31 are the ECVRF secret
// key (an RFC 8032 seed), bytes 32..63 the ML-DSA-65 key generation seed (FIPS 204 xi). Everything public
// is derived here from those, so the keyset file can never pair a secret with another key's public half.
import type { VrfKeyMaterial } from '../../contracts/vrf-keyset.js';
import { isSha256 } from '../../contracts/sha256.js';
import { ecvrfPublicKey } from '../ecvrf.js';
import { keyId } from '../key-id.js';
import { bytesToBase64, bytesToHex } from '../text.js';
import { mlDsa65FromSeed } from './mldsa-node.js';

/** What one key takes from the core. */
export const KEY_SEED_BYTES = 64;


export function newKeyMaterial(seed64: Uint8Array, coreSha256: string, createdAt: Date, activeFrom: Date): VrfKeyMaterial {
  // The messages name no byte of the seed.
  if (seed64.length !== KEY_SEED_BYTES) throw new Error(`a VRF key is made from ${KEY_SEED_BYTES} bytes, not ${seed64.length}`);
  if (!isSha256(coreSha256)) throw new Error('coreSha256 must be 64 lowercase hex digits');
  for (const [name, at] of [['createdAt', createdAt], ['activeFrom', activeFrom]] as const) {
    if (!Number.isFinite(at.getTime())) throw new Error(`${name} is not a valid time`);
  }
  const vrfSecretKey = seed64.subarray(0, 32);
  const mldsaSeed = seed64.subarray(32, 64);
  const vrfPublicKey = ecvrfPublicKey(vrfSecretKey);
  const mldsaPublicKey = mlDsa65FromSeed(mldsaSeed).publicKey;
  return {
    key_id: keyId(vrfPublicKey, mldsaPublicKey),
    vrf_secret_key: bytesToHex(vrfSecretKey),
    mldsa_seed: bytesToHex(mldsaSeed),
    vrf_public_key: bytesToHex(vrfPublicKey),
    public_key: bytesToBase64(mldsaPublicKey),
    created_at: createdAt.toISOString(),
    active_from: activeFrom.toISOString(),
    core_sha256: coreSha256,
  };
}
