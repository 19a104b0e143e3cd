// What a verifier trusts: an appliance's public keys, from `kubectl get entropyappliance -o json` (its
// status.vrf), from that status alone, or from GET /vrf/keys. Each key's id is recomputed from its public
// keys, so a trust file cannot name one key with another's material.
import type { BeaconInfo, VrfPublicKey } from '../contracts/vrf-keys-document.js';
import { keyId, fingerprint } from './key-id.js';
import { ML_DSA_65 } from './mldsa.js';
import { base64ToBytes, hexToBytes, isHex } from './text.js';

export interface TrustedKey {
  keyId: string;
  vrfPublicKey: Uint8Array;
  /** The ML-DSA-65 public key, and its canonical base64 as answers carry it (compared as text: it is long). */
  mldsaPublicKey: Uint8Array;
  mldsaPublicKeyText: string;
}

export interface Trust {
  keys: Map<string, TrustedKey>;
  /** Set when the trust file names its appliance: answers must then name the same. */
  appliance?: string;
  beacon?: BeaconInfo;
}

export type TrustResult = { ok: true; trust: Trust } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keys document inside whichever of the three shapes was given. */
function keysDocument(json: unknown): Record<string, unknown> | undefined {
  if (!isObject(json)) return undefined;
  if (isObject(json.status) && isObject(json.status.vrf)) return json.status.vrf;
  if (isObject(json.vrf)) return json.vrf;
  if (Array.isArray(json.keys)) return json;
  return undefined;
}

function trustedKey(entry: unknown, index: number): TrustedKey | string {
  if (!isObject(entry)) return `keys[${index}] is not an object`;
  const { key_id: id, vrf_public_key: vrfHex, public_key: mldsaBase64 } = entry as Partial<Record<keyof VrfPublicKey, unknown>>;
  if (typeof id !== 'string') return `keys[${index}] has no key_id`;
  if (!isHex(vrfHex, 32)) return `key ${id}: vrf_public_key is not 32 bytes of lowercase hex`;
  const mldsaPublicKey = base64ToBytes(mldsaBase64);
  if (mldsaPublicKey?.length !== ML_DSA_65.publicKeyBytes) return `key ${id}: public_key is not an ML-DSA-65 public key in base64`;
  const vrfPublicKey = hexToBytes(vrfHex);
  if (keyId(vrfPublicKey, mldsaPublicKey) !== id) return `key ${id}: key_id does not match its public keys`;
  const { vrf_public_key_sha256: vrfPrint, public_key_sha256: mldsaPrint } = entry as Partial<Record<keyof VrfPublicKey, unknown>>;
  if (vrfPrint !== undefined && vrfPrint !== fingerprint(vrfPublicKey)) return `key ${id}: vrf_public_key_sha256 is not the SHA-256 of vrf_public_key`;
  if (mldsaPrint !== undefined && mldsaPrint !== fingerprint(mldsaPublicKey)) return `key ${id}: public_key_sha256 is not the SHA-256 of public_key`;
  return { keyId: id, vrfPublicKey, mldsaPublicKey, mldsaPublicKeyText: mldsaBase64 as string };
}

function beaconInfo(value: unknown): BeaconInfo | undefined {
  if (!isObject(value)) return undefined;
  const { chain_id: chainId, period_seconds: period, genesis } = value;
  if (typeof chainId !== 'string' || typeof period !== 'number' || typeof genesis !== 'string' || !Number.isFinite(Date.parse(genesis))) return undefined;
  return { chain_id: chainId, period_seconds: period, genesis };
}

export function parseTrust(json: unknown): TrustResult {
  const document = keysDocument(json);
  if (!document) return { ok: false, reason: 'the trust file is neither an EntropyAppliance with status.vrf, its status, nor a /vrf/keys document' };
  const entries = document.keys;
  if (!Array.isArray(entries) || entries.length === 0) return { ok: false, reason: 'the trust file lists no keys' };
  const keys = new Map<string, TrustedKey>();
  for (const [index, entry] of entries.entries()) {
    const key = trustedKey(entry, index);
    if (typeof key === 'string') return { ok: false, reason: `the trust file: ${key}` };
    keys.set(key.keyId, key);
  }
  const trust: Trust = { keys };
  if (typeof document.appliance === 'string') trust.appliance = document.appliance;
  const beacon = beaconInfo(document.beacon);
  if (beacon) trust.beacon = beacon;
  return { ok: true, trust };
}
