// The native ML-DSA-65 (native/vrf-native, libcrux) against node:crypto and noble: the same keys from a seed, signatures
// that cross all three ways, deterministic signatures equal to noble's byte for byte (a cross-implementation
// known-answer test), ACVP vectors, and `false` (never a throw) for anything malformed.
// Where cargo is new enough to build the module, `make -C native` must have built it: its absence fails here.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { nobleMlDsa65 } from '../mldsa.js';
import { nativeModule, nativeWanted, type NativeModule } from './native-module.js';
import { mlDsa65FromSeed, mlDsaImplementation, nodeMlDsa65 } from './mldsa-node.js';

const modulePath = fileURLToPath(new URL('../../native/build/r4_vrf_native.node', import.meta.url));
const cargoToml = readFileSync(new URL('../../native/vrf-native/Cargo.toml', import.meta.url), 'utf8');
const minimum = /^rust-version = "([\d.]+)"/m.exec(cargoToml)?.[1] ?? '';

/** Dotted versions compared numerically ("1.100" after "1.88"), as native/Makefile's `sort -V` does. */
function atLeast(version: string, min: string): boolean {
  const [a, b] = [version, min].map((v) => v.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0));
  for (let i = 0; i < Math.max(a!.length, b!.length); i++) if ((a![i] ?? 0) !== (b![i] ?? 0)) return (a![i] ?? 0) > (b![i] ?? 0);
  return true;
}

const cargoVersion = /^cargo (\S+)/.exec(spawnSync('cargo', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1];
const cargoWillDo = cargoVersion !== undefined && atLeast(cargoVersion, minimum);

test('the version rule native/Makefile applies', () => {
  expect(minimum).toMatch(/^1\.\d+$/);
  expect([atLeast('1.95.0', '1.88'), atLeast('1.88.0', '1.88'), atLeast('1.100.0-nightly', '1.88'), atLeast('1.63.0', '1.88')]).toEqual([true, true, true, false]);
});

test('R4_VRF_NATIVE=0, and only 0, forces node:crypto', () => {
  expect([nativeWanted({}), nativeWanted({ R4_VRF_NATIVE: '1' }), nativeWanted({ R4_VRF_NATIVE: '0' })]).toEqual([true, true, false]);
});

test(`with cargo >= ${minimum} on this machine (here: ${cargoVersion ?? 'none'}), make -C native built the module and it is in use`, () => {
  if (!cargoWillDo) return;
  expect(existsSync(modulePath)).toBe(true);
  if (!nativeWanted(process.env)) return;
  expect(nativeModule()).not.toBeNull();
  expect(mlDsaImplementation()).toBe('libcrux/native');
});

const native = nativeModule();
const describeNative = native ? describe : describe.skip;

const seed = Uint8Array.from({ length: 32 }, (_, i) => 255 - i * 3);
const message = new TextEncoder().encode('r4 /vrf answer, canonical encoding');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** node:crypto's own key from the seed (PKCS#8 seed-only form), apart from mldsa-node.ts's path choice. */
function opensslKey(xi: Uint8Array) {
  const prefix = '3034020100300b06096086480165030403120422' + '8020'; // PrivateKeyInfo, id-ml-dsa-65, [0] seed (32)
  return createPrivateKey({ key: Buffer.concat([Buffer.from(prefix, 'hex'), xi]), format: 'der', type: 'pkcs8' });
}

describeNative('the native module', () => {
  const m = native as NativeModule;
  const noble = ml_dsa65.keygen(seed);
  // In beforeAll, which a skipped describe (no module here) does not run.
  let publicKey: Buffer;
  let signingKey: Buffer;
  beforeAll(() => ({ publicKey, signingKey } = m.keyPair(seed)));

  it('derives from the seed the public key node:crypto and noble derive, and noble\'s signing key', () => {
    const signer = mlDsa65FromSeed(seed);
    expect(hex(publicKey)).toBe(hex(noble.publicKey));
    expect(hex(signingKey)).toBe(hex(noble.secretKey));
    expect(hex(signer.publicKey)).toBe(hex(noble.publicKey));
    const opensslSignature = new Uint8Array(nodeSign(null, message, opensslKey(seed)));
    expect(m.verify(publicKey, message, opensslSignature)).toBe(true);
  });

  it('signs (hedged) so that node:crypto and noble verify, and verifies what they sign', () => {
    const signature = m.sign(signingKey, message, new Uint8Array(32).fill(0x5a));
    expect(nobleMlDsa65.verify(noble.publicKey, message, signature)).toBe(true);
    expect(m.verify(publicKey, message, signature)).toBe(true);
    const opensslSignature = new Uint8Array(nodeSign(null, message, opensslKey(seed)));
    expect(m.verify(publicKey, message, opensslSignature)).toBe(true);
    expect(m.verify(publicKey, message, ml_dsa65.sign(message, noble.secretKey))).toBe(true);
  });

  it('signs with zero randomness exactly as FIPS 204 deterministic ML-DSA (noble, extraEntropy false), byte for byte', () => {
    for (const msg of [message, new Uint8Array(0), new Uint8Array(5000).fill(0xa5)]) {
      const expected = ml_dsa65.sign(msg, noble.secretKey, { extraEntropy: false });
      expect(hex(m.sign(signingKey, msg, new Uint8Array(32)))).toBe(hex(expected));
      expect(hex(mlDsa65FromSeed(seed).signDeterministic(msg))).toBe(hex(expected));
    }
  });

  it('gives different hedged signatures for different randomness, each valid', () => {
    const a = m.sign(signingKey, message, new Uint8Array(32).fill(1));
    const b = m.sign(signingKey, message, new Uint8Array(32).fill(2));
    expect(hex(a)).not.toBe(hex(b));
    expect([m.verify(publicKey, message, a), m.verify(publicKey, message, b)]).toEqual([true, true]);
  });

  it('rejects a one-bit flip anywhere we sample in the signature, the message or the public key', () => {
    const signature = m.sign(signingKey, message, new Uint8Array(32));
    for (const at of [0, 31, 32, 48, 1000, 2000, 3200, 3308]) {
      const flipped = Uint8Array.from(signature);
      flipped[at]! ^= 0x01;
      expect([at, m.verify(publicKey, message, flipped)]).toEqual([at, false]);
    }
    const otherMessage = Uint8Array.from(message);
    otherMessage[3]! ^= 0x80;
    expect(m.verify(publicKey, otherMessage, signature)).toBe(false);
    const otherKey = Uint8Array.from(publicKey);
    otherKey[100]! ^= 0x01;
    expect(m.verify(otherKey, message, signature)).toBe(false);
  });

  it('answers false for a public key or signature of the wrong length, and throws a plain error for bad signing input', () => {
    const signature = m.sign(signingKey, message, new Uint8Array(32));
    for (const [pk, sig] of [
      [publicKey.subarray(1), signature],
      [Buffer.concat([publicKey, Buffer.of(0)]), signature],
      [publicKey, signature.subarray(1)],
      [publicKey, Buffer.concat([signature, Buffer.of(0)])],
      [new Uint8Array(0), new Uint8Array(0)],
    ] as const)
      expect(m.verify(pk, message, sig)).toBe(false);
    expect(() => m.keyPair(seed.subarray(1))).toThrow(/seed must be 32 bytes/);
    expect(() => m.sign(signingKey.subarray(1), message, new Uint8Array(32))).toThrow(/signing key must be 4032 bytes/);
    expect(() => m.sign(signingKey, message, new Uint8Array(31))).toThrow(/randomness must be 32 bytes/);
  });

  it('edwardsMulSub answers null, never a throw, for a wrong length or bytes that are no point', () => {
    const base = Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex');
    const one = Buffer.alloc(32);
    one[0] = 1;
    expect(m.edwardsMulSub(one, base, one, base)?.toString('hex')).toBe('0100000000000000000000000000000000000000000000000000000000000000');
    expect(m.edwardsMulSub(one.subarray(0, 31), base, one, base)).toBeNull();
    expect(m.edwardsMulSub(one, base, one, base.subarray(0, 31))).toBeNull();
    // y = 2 gives x^2 = 3 / (2^2 d + 1), not a square mod p: no point.
    const noPoint = Buffer.alloc(32);
    noPoint[0] = 2;
    expect(m.edwardsMulSub(one, noPoint, one, base)).toBeNull();
  });

  it('refuses a signature made under a non-empty context (it verifies pure ML-DSA with the empty context only)', () => {
    const withContext = ml_dsa65.sign(message, noble.secretKey, { context: Uint8Array.of(1) });
    expect(nobleMlDsa65.verify(noble.publicKey, message, withContext)).toBe(false);
    expect(m.verify(publicKey, message, withContext)).toBe(false);
  });
});

interface AcvpCase { tcId: number; testPassed: boolean; pk: string; message: string; context: string; signature: string }
const acvp = JSON.parse(readFileSync(new URL('../../test/vectors/acvp/ml-dsa-65-sigver.json', import.meta.url), 'utf8')) as {
  testGroups: { tests: AcvpCase[] }[];
};
const acvpCases = acvp.testGroups.flatMap((group) => group.tests);

// Every one of these vectors has a non-empty context, which the native module (empty context only) does not take:
// the valid ones (tcId 33, 37, which mldsa-node.test.ts verifies with their context) must fail here, as must the
// invalid ones. That the module verifies valid empty-context signatures is shown above against node:crypto and noble.
describeNative('NIST ACVP ML-DSA-65 sigVer vectors through the native module', () => {
  it('holds no vector with an empty context, and valid ones among them', () => {
    expect(acvpCases.filter((c) => c.context === '')).toEqual([]);
    expect(acvpCases.filter((c) => c.testPassed).map((c) => c.tcId)).toEqual([33, 37]);
  });

  it.each(acvpCases)('tcId $tcId (valid under its context: $testPassed): false without the context', (c) => {
    expect(native!.verify(fromHex(c.pk), fromHex(c.message), fromHex(c.signature))).toBe(false);
    expect(ml_dsa65.verify(fromHex(c.signature), fromHex(c.message), fromHex(c.pk))).toBe(false);
  });
});

describeNative('nodeMlDsa65 and mlDsa65FromSeed on the native path', () => {
  it('sign hedged: two signatures of one message differ and both verify everywhere', () => {
    const signer = mlDsa65FromSeed(seed);
    const [a, b] = [signer.sign(message), signer.sign(message)];
    expect(hex(a!)).not.toBe(hex(b!));
    for (const s of [a!, b!]) expect([nodeMlDsa65.verify(signer.publicKey, message, s), nobleMlDsa65.verify(signer.publicKey, message, s)]).toEqual([true, true]);
  });
});
