// The appliance's VRF keys, ready to use: each key's prover and signers, made from the keyset's seeds and
// checked against the public keys the keyset states (and so the operator publishes). A keyset whose seeds do
// not give its own public keys is refused whole: its answers would not verify against the trust file.
import { keyActiveAt, parseVrfKeyset, type VrfKeyMaterial, type VrfKeyset } from '../../contracts/vrf-keyset.js';
import { ecvrfProver, type EcvrfProver } from '../../vrf/ecvrf.js';
import { keyId } from '../../vrf/key-id.js';
import { mlDsa65FromSeed, type MlDsaSigner } from '../../vrf/node/mldsa-node.js';
import { sodiumEdwards } from '../../vrf/node/edwards-sodium.js';
import { bytesToHex, bytesToBase64, hexToBytes } from '../../vrf/text.js';

export interface KeyringKey {
  material: VrfKeyMaterial;
  prover: EcvrfProver;
  /** Hedged signatures for /vrf answers; deterministic ones for beacon pulses (vrf/node/mldsa-node.ts). */
  signer: MlDsaSigner;
}

export interface Keyring {
  keyset: VrfKeyset;
  keys: KeyringKey[];
}

export type KeyringResult = { ok: true; keyring: Keyring } | { ok: false; reason: string };

function openKey(material: VrfKeyMaterial): KeyringKey | string {
  const prover = ecvrfProver(hexToBytes(material.vrf_secret_key), sodiumEdwards);
  const signer = mlDsa65FromSeed(hexToBytes(material.mldsa_seed));
  if (bytesToHex(prover.publicKey) !== material.vrf_public_key) return `key ${material.key_id}: its VRF secret key does not give its vrf_public_key`;
  if (bytesToBase64(signer.publicKey) !== material.public_key) return `key ${material.key_id}: its ML-DSA seed does not give its public_key`;
  if (keyId(prover.publicKey, signer.publicKey) !== material.key_id) return `key ${material.key_id}: key_id does not match its public keys`;
  return {
    material,
    prover,
    signer,
  };
}

export function openKeyring(text: string): KeyringResult {
  const parsed = parseVrfKeyset(text);
  if (!parsed.ok) return parsed;
  const keys: KeyringKey[] = [];
  for (const material of parsed.keyset.keys) {
    const key = openKey(material);
    if (typeof key === 'string') return { ok: false, reason: key };
    keys.push(key);
  }
  return { ok: true, keyring: { keyset: parsed.keyset, keys } };
}

/** The key in force at `atMs` (contracts/vrf-keyset.ts decides which). */
export function keyAt(keyring: Keyring, atMs: number): KeyringKey {
  return keyring.keys[keyring.keyset.keys.indexOf(keyActiveAt(keyring.keyset.keys, atMs))]!;
}
