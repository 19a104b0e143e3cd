import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { vrfKeysDocument } from '../contracts/vrf-keys-document.js';
import { ecvrfPublicKey } from './ecvrf.js';
import { keyId } from './key-id.js';
import { bytesToBase64, bytesToHex } from './text.js';
import { parseTrust } from './trust.js';

const vrfPublicKey = ecvrfPublicKey(new Uint8Array(32).fill(3));
const mldsaPublicKey = ml_dsa65.keygen(new Uint8Array(32).fill(4)).publicKey;
const key = {
  key_id: keyId(vrfPublicKey, mldsaPublicKey),
  vrf_secret_key: '0'.repeat(64),
  mldsa_seed: '0'.repeat(64),
  vrf_public_key: bytesToHex(vrfPublicKey),
  public_key: bytesToBase64(mldsaPublicKey),
  created_at: '2026-01-01T00:00:00.000Z',
  active_from: '2026-01-01T00:00:00.000Z',
  core_sha256: 'c'.repeat(64),
};
const document = vrfKeysDocument({ version: 1, keys: [key] }, { appliance: 'ns/a', periodSeconds: 30, genesis: '2026-01-01T00:00:00Z' }, Date.now());

test.each([
  ['the /vrf/keys document', document],
  ['an appliance status', { vrf: document }],
  ['an EntropyAppliance', { apiVersion: 'r4.dev/v1alpha1', kind: 'EntropyAppliance', status: { vrf: document } }],
])('%s is a trust file', (_what, json) => {
  const parsed = parseTrust(json);
  expect(parsed.ok).toBe(true);
  if (parsed.ok) {
    expect([...parsed.trust.keys.keys()]).toEqual([key.key_id]);
    expect(parsed.trust.appliance).toBe('ns/a');
    expect(parsed.trust.beacon?.chain_id).toBe(document.beacon.chain_id);
  }
});

test('the keys document publishes no secret', () => {
  expect(JSON.stringify(document)).not.toContain('vrf_secret_key');
  expect(JSON.stringify(document)).not.toContain('mldsa_seed');
});

test.each([
  ['not an object', 42, 'neither'],
  ['no keys', { keys: [] }, 'lists no keys'],
  ['a key_id that is not its keys\'', { keys: [{ ...document.keys[0], key_id: 'r4k-000000000000000000000000' }] }, 'does not match its public keys'],
  ['a fingerprint that lies', { keys: [{ ...document.keys[0], public_key_sha256: '0'.repeat(64) }] }, 'public_key_sha256'],
  ['a short ML-DSA key', { keys: [{ ...document.keys[0], public_key: 'QUFB' }] }, 'not an ML-DSA-65 public key'],
])('a trust file with %s is refused', (_what, json, reason) => {
  const parsed = parseTrust(json);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) expect(parsed.reason).toContain(reason);
});
