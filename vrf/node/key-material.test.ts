import { parseVrfKeyset } from '../../contracts/vrf-keyset.js';
import { ecvrfProver, ecvrfVerify } from '../ecvrf.js';
import { keyId } from '../key-id.js';
import { KEY_SEED_BYTES, newKeyMaterial } from './key-material.js';
import { mlDsa65FromSeed, nodeMlDsa65 } from './mldsa-node.js';

// RFC 8032 section 7.1, TEST 1 (also RFC 9381's first ECVRF-EDWARDS25519-SHA512-TAI key): secret key and public key.
const RFC8032_SK = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC8032_PK = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const MLDSA_SEED = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const seed = () => new Uint8Array(Buffer.from(RFC8032_SK + MLDSA_SEED, 'hex'));
const CORE = 'e'.repeat(64);
const created = new Date('2026-11-30T12:00:00.000Z');
const active = new Date('2026-11-30T12:01:00.000Z');

describe('newKeyMaterial', () => {
  const key = newKeyMaterial(seed(), CORE, created, active);

  test('bytes 0..31 are the ECVRF secret key: its public key is RFC 8032\'s for that seed', () => {
    expect(key.vrf_secret_key).toBe(RFC8032_SK);
    expect(key.vrf_public_key).toBe(RFC8032_PK);
  });

  test('bytes 32..63 are the ML-DSA-65 seed: the published public key verifies what that seed signs', () => {
    expect(key.mldsa_seed).toBe(MLDSA_SEED);
    const signer = mlDsa65FromSeed(Buffer.from(MLDSA_SEED, 'hex'));
    const message = new TextEncoder().encode('r4 key material test');
    const publicKey = new Uint8Array(Buffer.from(key.public_key, 'base64'));
    expect(publicKey).toHaveLength(1952);
    expect(nodeMlDsa65.verify(publicKey, message, signer.sign(message))).toBe(true);
  });

  test('the ECVRF key proves what verifies under the published public key', () => {
    const alpha = new TextEncoder().encode('alpha');
    const pi = ecvrfProver(Buffer.from(key.vrf_secret_key, 'hex')).prove(alpha);
    expect(ecvrfVerify(Buffer.from(key.vrf_public_key, 'hex'), alpha, pi).valid).toBe(true);
  });

  test('key_id is keyId of both public keys; times and the core are as given', () => {
    expect(key.key_id).toBe(keyId(Buffer.from(key.vrf_public_key, 'hex'), Buffer.from(key.public_key, 'base64')));
    expect(key).toMatchObject({ created_at: '2026-11-30T12:00:00.000Z', active_from: '2026-11-30T12:01:00.000Z', core_sha256: CORE });
  });

  test('round-trips through the keyset parser the pods use', () => {
    const other = newKeyMaterial(new Uint8Array(KEY_SEED_BYTES).fill(7), CORE, created, new Date('2026-11-30T13:00:00.000Z'));
    const parsed = parseVrfKeyset(JSON.stringify({ version: 1, keys: [key, other] }));
    expect(parsed).toEqual({ ok: true, keyset: { version: 1, keys: [key, other] } });
  });

  test('deterministic in the seed; a change in either half is another key', () => {
    expect(newKeyMaterial(seed(), CORE, created, active)).toEqual(key);
    for (const index of [0, 40]) {
      const changed = seed();
      changed[index] = (changed[index] as number) ^ 1;
      const other = newKeyMaterial(changed, CORE, created, active);
      expect(other.key_id).not.toBe(key.key_id);
    }
  });

  test('the seed is not changed by reading it', () => {
    const bytes = seed();
    newKeyMaterial(bytes, CORE, created, active);
    expect(Buffer.from(bytes).toString('hex')).toBe(RFC8032_SK + MLDSA_SEED);
  });

  test('a wrong seed length, core hash or time is refused, and the message quotes no byte of the seed', () => {
    const short = new Uint8Array(63).fill(0xab);
    expect(() => newKeyMaterial(short, CORE, created, active)).toThrow('a VRF key is made from 64 bytes, not 63');
    expect(() => newKeyMaterial(seed(), 'E'.repeat(64), created, active)).toThrow(/coreSha256/);
    expect(() => newKeyMaterial(seed(), CORE, new Date(Number.NaN), active)).toThrow(/createdAt/);
    expect(() => newKeyMaterial(seed(), CORE, created, new Date(Number.NaN))).toThrow(/activeFrom/);
    try {
      newKeyMaterial(short, CORE, created, active);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/abab/i);
    }
  });
});
