// ML-DSA-65 on both of its paths, node:crypto (R4_VRF_NATIVE=0) and the default (the native module where it is
// built): keys from the 32-byte seed match FIPS 204 (as noble computes them), signatures cross between each path and
// noble both ways, malformed input is a plain `false`, and Node's verify passes NIST ACVP vectors.
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { nobleMlDsa65 } from '../mldsa.js';

/** A fresh copy of mldsa-node.ts that chose its path with R4_VRF_NATIVE set to `value` (the choice is made once). */
async function loadWith(value: string | undefined) {
  const saved = process.env['R4_VRF_NATIVE'];
  jest.resetModules();
  if (value === undefined) delete process.env['R4_VRF_NATIVE'];
  else process.env['R4_VRF_NATIVE'] = value;
  try {
    const loaded = await import('./mldsa-node.js');
    loaded.mlDsaImplementation();
    return loaded;
  } finally {
    if (saved === undefined) delete process.env['R4_VRF_NATIVE'];
    else process.env['R4_VRF_NATIVE'] = saved;
  }
}

const built = existsSync(new URL('../../native/build/r4_vrf_native.node', import.meta.url));
const paths = [
  { path: 'R4_VRF_NATIVE=0', expected: 'node:crypto', module: await loadWith('0') },
  { path: 'default', expected: built ? 'libcrux/native' : 'node:crypto', module: await loadWith(undefined) },
];

describe.each(paths)('$path: $expected', ({ expected, module: { mlDsa65FromSeed, mlDsaImplementation, nodeMlDsa65 } }) => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const message = new TextEncoder().encode('r4 beacon round 42');

  it('is the implementation in use', () => {
    expect(mlDsaImplementation()).toBe(expected);
  });

  describe('mlDsa65FromSeed', () => {
    const signer = mlDsa65FromSeed(seed);

    it('derives from the seed the public key FIPS 204 keygen gives (as @noble/post-quantum computes it)', () => {
      expect(Buffer.from(signer.publicKey).toString('hex')).toBe(Buffer.from(ml_dsa65.keygen(seed).publicKey).toString('hex'));
    });

    it('signs so that noble verifies, and verifies what noble signs', () => {
      const signature = signer.sign(message);
      expect(nobleMlDsa65.verify(signer.publicKey, message, signature)).toBe(true);
      expect(nodeMlDsa65.verify(signer.publicKey, message, signature)).toBe(true);
      const nobleSignature = ml_dsa65.sign(message, ml_dsa65.keygen(seed).secretKey);
      expect(nodeMlDsa65.verify(signer.publicKey, message, nobleSignature)).toBe(true);
    });

    it('signs deterministically exactly as FIPS 204 with rnd = 0 (noble, extraEntropy false), byte for byte; hedged signatures differ', () => {
      const fips204 = Buffer.from(ml_dsa65.sign(message, ml_dsa65.keygen(seed).secretKey, { extraEntropy: false })).toString('hex');
      expect(Buffer.from(signer.signDeterministic(message)).toString('hex')).toBe(fips204);
      expect(Buffer.from(signer.sign(message)).toString('hex')).not.toBe(Buffer.from(signer.sign(message)).toString('hex'));
    });

    it('refuses a seed that is not 32 bytes', () => {
      expect(() => mlDsa65FromSeed(seed.subarray(1))).toThrow(/32 bytes/);
    });
  });

  describe('nodeMlDsa65', () => {
    const signer = mlDsa65FromSeed(seed);
    const signature = signer.sign(message);

    it('rejects another key, another message and every one-bit flip of a sample of signature bytes', () => {
      expect(nodeMlDsa65.verify(mlDsa65FromSeed(new Uint8Array(32)).publicKey, message, signature)).toBe(false);
      expect(nodeMlDsa65.verify(signer.publicKey, new TextEncoder().encode('r4 beacon round 43'), signature)).toBe(false);
      for (const at of [0, 47, 48, 1000, 3000, 3308]) {
        const flipped = signature.slice();
        flipped[at]! ^= 0x01;
        expect(nodeMlDsa65.verify(signer.publicKey, message, flipped)).toBe(false);
      }
    });

    it('answers false, without throwing, for a public key or signature of the wrong length, or a key that is no key', () => {
      expect(nodeMlDsa65.verify(signer.publicKey.subarray(1), message, signature)).toBe(false);
      expect(nodeMlDsa65.verify(Uint8Array.of(...signer.publicKey, 0), message, signature)).toBe(false);
      expect(nodeMlDsa65.verify(signer.publicKey, message, signature.subarray(1))).toBe(false);
      expect(nodeMlDsa65.verify(signer.publicKey, message, Uint8Array.of(...signature, 0))).toBe(false);
      expect(nodeMlDsa65.verify(new Uint8Array(1952), message, signature)).toBe(false);
    });
  });
});

const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

interface AcvpCase { tcId: number; testPassed: boolean; pk: string; message: string; context: string; signature: string }
const acvp = JSON.parse(readFileSync(new URL('../../test/vectors/acvp/ml-dsa-65-sigver.json', import.meta.url), 'utf8')) as {
  testGroups: { parameterSet: string; signatureInterface: string; preHash: string; tests: AcvpCase[] }[];
};

describe('NIST ACVP ML-DSA sigVer (FIPS 204), ML-DSA-65, external interface, pure', () => {
  const [group] = acvp.testGroups;
  const cases = group!.tests;

  it('holds passing and failing cases of the right kind', () => {
    expect(group).toMatchObject({ parameterSet: 'ML-DSA-65', signatureInterface: 'external', preHash: 'pure' });
    expect(cases.filter((c) => c.testPassed).length).toBeGreaterThanOrEqual(2);
    expect(cases.filter((c) => !c.testPassed).length).toBeGreaterThanOrEqual(2);
  });

  // Each vector has its own context string; node:crypto takes it as `context` beside the key.
  it.each(cases)('tcId $tcId: node:crypto says $testPassed, and so does noble', (c) => {
    const key = createPublicKey({ key: { kty: 'AKP', alg: 'ML-DSA-65', pub: Buffer.from(c.pk, 'hex').toString('base64url') }, format: 'jwk' });
    expect(verify(null, fromHex(c.message), { key, context: fromHex(c.context) }, fromHex(c.signature))).toBe(c.testPassed);
    expect(ml_dsa65.verify(fromHex(c.signature), fromHex(c.message), fromHex(c.pk), { context: fromHex(c.context) })).toBe(c.testPassed);
  });
});
