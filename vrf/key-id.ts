// A key's name: derived from both public keys, so a verifier recomputes it from what it trusts and no
// answer can pair one key's name with another key's material.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const DOMAIN = utf8ToBytes('r4/vrf/key-id/v1');

/** "r4k-" and the first 12 bytes of SHA-256(domain || vrf public key || ML-DSA-65 public key), in hex. */
export function keyId(vrfPublicKey: Uint8Array, mldsaPublicKey: Uint8Array): string {
  return `r4k-${bytesToHex(sha256(concatBytes(DOMAIN, vrfPublicKey, mldsaPublicKey))).slice(0, 24)}`;
}

/** A public key's fingerprint: SHA-256 of its bytes, hex. */
export function fingerprint(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey));
}
