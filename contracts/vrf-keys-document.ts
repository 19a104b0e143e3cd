// The public half of an appliance's VRF keyset, as the operator publishes it in status.vrf and every pod
// serves it at GET /vrf/keys: one shape, so either is a trust file for `r4 verify --trust`. Portable (no
// node:*), because the verifier in vrf/ reads it in a browser too.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { keyActiveAt, type VrfKeyset } from './vrf-keyset.js';

export const VRF_SUITE = 'ECVRF-EDWARDS25519-SHA512-TAI';
export const VRF_SIGNATURE_ALGORITHM = 'ML-DSA-65';

export type VrfKeyStatus = 'current' | 'retired' | 'next';

export interface VrfPublicKey {
  key_id: string;
  status: VrfKeyStatus;
  active_from: string;
  created_at: string;
  vrf_public_key: string;
  vrf_public_key_sha256: string;
  public_key: string;
  public_key_sha256: string;
  core_sha256: string;
}

export interface BeaconInfo {
  chain_id: string;
  period_seconds: number;
  genesis: string;
}

export interface VrfKeysDocument {
  suite: typeof VRF_SUITE;
  signature_algorithm: typeof VRF_SIGNATURE_ALGORITHM;
  appliance: string;
  keys: VrfPublicKey[];
  beacon: BeaconInfo;
}

export interface BeaconSettings {
  appliance: string;
  periodSeconds: number;
  /** RFC 3339. */
  genesis: string;
}

const sha256Hex = (bytes: Uint8Array) => bytesToHex(sha256(bytes));
const base64Bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * A chain is its appliance, its schedule and its first key: change any and it is another chain. Every pod
 * computes the same id from the same keyset and settings.
 */
export function beaconChainId(settings: BeaconSettings, keyset: VrfKeyset): string {
  const fields = ['r4/beacon/chain/v1', settings.appliance, String(settings.periodSeconds), new Date(settings.genesis).toISOString(), keyset.keys[0]!.key_id];
  return sha256Hex(utf8ToBytes(fields.map((f) => `${f.length}:${f}`).join(''))).slice(0, 32);
}

export function vrfKeysDocument(keyset: VrfKeyset, settings: BeaconSettings, now: number): VrfKeysDocument {
  const current = keyActiveAt(keyset.keys, now);
  const currentIndex = keyset.keys.indexOf(current);
  return {
    suite: VRF_SUITE,
    signature_algorithm: VRF_SIGNATURE_ALGORITHM,
    appliance: settings.appliance,
    keys: keyset.keys.map((key, index) => ({
      key_id: key.key_id,
      status: index === currentIndex ? 'current' : index < currentIndex ? 'retired' : 'next',
      active_from: key.active_from,
      created_at: key.created_at,
      vrf_public_key: key.vrf_public_key,
      vrf_public_key_sha256: sha256Hex(hexToBytes(key.vrf_public_key)),
      public_key: key.public_key,
      public_key_sha256: sha256Hex(base64Bytes(key.public_key)),
      core_sha256: key.core_sha256,
    })),
    beacon: { chain_id: beaconChainId(settings, keyset), period_seconds: settings.periodSeconds, genesis: new Date(settings.genesis).toISOString() },
  };
}
