// RFC 9381 ECVRF-EDWARDS25519-SHA512-TAI against its Appendix B.3 vectors and the standard malformed proofs,
// for the portable backend and the libsodium one alike: both must give byte-identical answers on every input.
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import {
  ED25519_ORDER,
  ecvrfChallenge,
  ecvrfEncodeToCurve,
  ecvrfProofToHash,
  ecvrfProver,
  ecvrfPublicKey,
  ecvrfVerify,
  intToLe,
  leToInt,
  type EcvrfVerdict,
} from './ecvrf.js';
import { nobleEdwards } from './edwards-noble.js';
import { nativeEdwards } from './node/edwards-native.js';
import { sodiumEdwards } from './node/edwards-sodium.js';
import { nativeModule } from './node/native-module.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const { Point } = ed25519;

/** RFC 9381 Appendix B.3, examples 16-18 (H is the intermediate encode_to_curve output the RFC lists). */
const RFC9381 = [
  {
    example: 16,
    sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    alpha: '',
    h: '91bbed02a99461df1ad4c6564a5f5d829d0b90cfc7903e7a5797bd658abf3318',
    pi: '8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f26f8a57ccaed74ee1b190bed1f479d9727d2d0f9b005a6e456a35d4fb0daab1268a1b0db10836d9826a528ca76567805',
    beta: '90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff66b71dda49d2de59d03450451af026798e8f81cd2e333de5cdf4f3e140fdd8ae',
  },
  {
    example: 17,
    sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    alpha: '72',
    h: '5b659fc3d4e9263fd9a4ed1d022d75eaacc20df5e09f9ea937502396598dc551',
    pi: 'f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed5933bf0864a62558b3ed7f2fea45c92a465301b3bbf5e3e54ddf2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02',
    beta: 'eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb5e33821bc613efb94db5e5b54c70a848a0bef4553a41befc57663b56373a5031',
  },
  {
    example: 18,
    sk: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    alpha: 'af82',
    h: 'bf4339376f5542811de615e3313d2b36f6f53c0acfebb482159711201192576a',
    pi: '9bc0f79119cc5604bf02d23b4caede71393cedfbb191434dd016d30177ccbf8096bb474e53895c362d8628ee9f9ea3c0e52c7a5c691b6c18c9979866568add7a2d41b00b05081ed0f58ee5e31b3a970e',
    beta: '645427e5d00c62a23fb703732fa5d892940935942101e456ecca7bb217c61c452118fec1219202a0edcf038bb6373241578be7217ba85a2687f7a0310b2df19f',
  },
] as const;

/** The pre-RFC (draft) proof for example 18 that older code carries: same beta, challenge without Y. */
const DRAFT_EXAMPLE_18_PI =
  '9bc0f79119cc5604bf02d23b4caede71393cedfbb191434dd016d30177ccbf80e29dc513c01c3a980e0e545bcd848222d08a6c3e3665ff5a4cab13a643bef812e284c6b2ee063a2cb4f456794723ad0a';

/** Non-canonical encodings (y >= p, or x = 0 with the sign bit) of small-order points. */
const NON_CANONICAL_SMALL_ORDER = [
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p (that is 0)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 (the identity)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, x = 0 with the sign bit
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // (0, -1) with the sign bit
];

/** The first 32-byte string with y < p that is no curve point (found, not hard-coded, so the claim is checked). */
function undecodablePoint(): Uint8Array {
  for (let i = 2; ; i++) {
    const candidate = intToLe(BigInt(i), 32);
    try {
      Point.fromBytes(candidate);
    } catch {
      return candidate;
    }
  }
}

// The dalek-backed one joins where the native module is built (it is on CI: vrf/node/native-module.test.ts).
const backends = [nobleEdwards, sodiumEdwards, ...(nativeModule() ? [nativeEdwards] : [])];
const ex16 = RFC9381[0];
const rejected = (verdict: EcvrfVerdict) => !verdict.valid;

describe.each(backends)('ECVRF on the $name backend', (backend) => {
  it.each(RFC9381)('reproduces RFC 9381 example $example (public key, H, pi, beta) and verifies it', (v) => {
    const prover = ecvrfProver(bytes(v.sk), backend);
    expect(hex(prover.publicKey)).toBe(v.pk);
    expect(hex(ecvrfPublicKey(bytes(v.sk), backend))).toBe(v.pk);
    expect(hex(ecvrfEncodeToCurve(bytes(v.pk), bytes(v.alpha)))).toBe(v.h);
    expect(hex(prover.prove(bytes(v.alpha)))).toBe(v.pi);
    const verdict = ecvrfVerify(bytes(v.pk), bytes(v.alpha), bytes(v.pi), backend);
    expect(verdict.valid && hex(verdict.beta)).toBe(v.beta);
    expect(hex(ecvrfProofToHash(bytes(v.pi), backend))).toBe(v.beta);
  });

  it('rejects the pre-RFC proof of example 18 (its challenge omits the public key)', () => {
    const v = RFC9381[2];
    expect(rejected(ecvrfVerify(bytes(v.pk), bytes(v.alpha), bytes(DRAFT_EXAMPLE_18_PI), backend))).toBe(true);
  });

  it('rejects proofs and keys of the wrong length', () => {
    const pi = bytes(ex16.pi);
    const pk = bytes(ex16.pk);
    for (const badPi of [pi.subarray(0, 79), Uint8Array.of(...pi, 0), new Uint8Array(0)]) expect(ecvrfVerify(pk, new Uint8Array(0), badPi, backend)).toMatchObject({ valid: false, reason: expect.stringMatching(/80 bytes/) });
    for (const badPk of [pk.subarray(0, 31), Uint8Array.of(...pk, 0)]) expect(ecvrfVerify(badPk, new Uint8Array(0), pi, backend)).toMatchObject({ valid: false, reason: expect.stringMatching(/32 bytes/) });
  });

  it('rejects a non-canonical scalar s (s = L, s + L)', () => {
    const pi = bytes(ex16.pi);
    const s = leToInt(pi.subarray(48));
    for (const bad of [ED25519_ORDER, s + ED25519_ORDER]) {
      const forged = Uint8Array.of(...pi.subarray(0, 48), ...intToLe(bad, 32));
      expect(ecvrfVerify(bytes(ex16.pk), new Uint8Array(0), forged, backend)).toMatchObject({ valid: false, reason: expect.stringMatching(/not canonical/) });
      expect(() => ecvrfProofToHash(forged, backend)).toThrow(/not canonical/);
    }
  });

  it('rejects a Gamma that is no point, or a non-canonical encoding of one (y >= p)', () => {
    const pi = bytes(ex16.pi);
    for (const gamma of [undecodablePoint(), ...NON_CANONICAL_SMALL_ORDER.map(bytes)]) {
      const forged = Uint8Array.of(...gamma, ...pi.subarray(32));
      expect(ecvrfVerify(bytes(ex16.pk), new Uint8Array(0), forged, backend)).toMatchObject({ valid: false, reason: expect.stringMatching(/Gamma/) });
      expect(() => ecvrfProofToHash(forged, backend)).toThrow(/Gamma/);
    }
  });

  it('rejects every small-order public key, and every non-canonical encoding of one', () => {
    expect(ED25519_TORSION_SUBGROUP).toHaveLength(8);
    for (const key of ED25519_TORSION_SUBGROUP) expect(ecvrfVerify(bytes(key), new Uint8Array(0), bytes(ex16.pi), backend)).toMatchObject({ valid: false, reason: 'public key is of small order' });
    for (const key of NON_CANONICAL_SMALL_ORDER) expect(ecvrfVerify(bytes(key), new Uint8Array(0), bytes(ex16.pi), backend)).toMatchObject({ valid: false, reason: expect.stringMatching(/not a valid point/) });
  });

  it('rejects the forgery a small-order key allows: Gamma = identity, any s, c picked so c·Y vanishes', () => {
    const identity = Point.ZERO.toBytes();
    for (const key of ED25519_TORSION_SUBGROUP.map(bytes)) {
      const h = ecvrfEncodeToCurve(key, Uint8Array.of(1));
      let forged: Uint8Array | undefined;
      for (let s = 1n; !forged; s++) {
        const c = ecvrfChallenge(key, h, identity, Point.BASE.multiply(s).toBytes(), Point.fromBytes(h).multiply(s).toBytes());
        // U = s·B − c·Y and V = s·H − c·identity equal s·B and s·H once c·Y is the identity: the challenge checks out.
        if (Point.fromBytes(key).multiplyUnsafe(c % ED25519_ORDER).is0()) forged = Uint8Array.of(...identity, ...intToLe(c, 16), ...intToLe(s, 32));
      }
      expect(ecvrfVerify(key, Uint8Array.of(1), forged, backend)).toEqual({ valid: false, reason: 'public key is of small order' });
    }
  });

  it('rejects a small-order Gamma', () => {
    const pi = bytes(ex16.pi);
    for (const gamma of ED25519_TORSION_SUBGROUP) expect(rejected(ecvrfVerify(bytes(ex16.pk), new Uint8Array(0), Uint8Array.of(...bytes(gamma), ...pi.subarray(32)), backend))).toBe(true);
  });

  it('rejects every single-bit alteration of example 16, and a wrong alpha', () => {
    const pi = bytes(ex16.pi);
    const accepted: number[] = [];
    for (let bit = 0; bit < pi.length * 8; bit++) {
      const altered = pi.slice();
      altered[bit >> 3]! ^= 1 << (bit & 7);
      if (ecvrfVerify(bytes(ex16.pk), new Uint8Array(0), altered, backend).valid) accepted.push(bit);
    }
    expect(accepted).toEqual([]);
    expect(rejected(ecvrfVerify(bytes(ex16.pk), Uint8Array.of(0), pi, backend))).toBe(true);
    expect(rejected(ecvrfVerify(bytes(RFC9381[1].pk), new Uint8Array(0), pi, backend))).toBe(true);
  });
});

/** A valid proof whose Gamma carries a torsion component: x·H + T with T of order 8 (c must be ≡ 0 mod 8 for V to match). */
function torsionProof(sk: Uint8Array, alpha: Uint8Array): { pi: Uint8Array; tries: number } {
  const digest = sha512(sk);
  const clamped = digest.slice(0, 32);
  clamped[0]! &= 248;
  clamped[31]! &= 127;
  clamped[31]! |= 64;
  const x = leToInt(clamped) % ED25519_ORDER;
  const y = Point.BASE.multiply(x);
  const h = Point.fromBytes(ecvrfEncodeToCurve(y.toBytes(), alpha));
  const torsion = Point.fromBytes(bytes(ED25519_TORSION_SUBGROUP[1]!));
  const gamma = h.multiply(x).add(torsion).toBytes();
  for (let k = 1n; k < 1000n; k++) {
    const c = ecvrfChallenge(y.toBytes(), h.toBytes(), gamma, Point.BASE.multiply(k).toBytes(), h.multiply(k).toBytes());
    if (c % 8n === 0n) return { pi: Uint8Array.of(...gamma, ...intToLe(c, 16), ...intToLe((k + c * x) % ED25519_ORDER, 32)), tries: Number(k) };
  }
  throw new Error('no k in 1000 tries gave c = 0 mod 8');
}

describe('both backends agree', () => {
  it('on a crafted proof whose Gamma has a torsion component: the same verdict, and the honest beta', () => {
    const v = RFC9381[1];
    const { pi } = torsionProof(bytes(v.sk), bytes(v.alpha));
    expect(hex(pi.subarray(0, 32))).not.toBe(v.pi.slice(0, 64));
    const verdicts = backends.map((backend) => ecvrfVerify(bytes(v.pk), bytes(v.alpha), pi, backend));
    for (const verdict of verdicts.slice(1)) expect(verdict).toEqual(verdicts[0]);
    // RFC 9381 proofs are unique only up to the cofactor; beta, the output, stays the honest one.
    expect(verdicts[0]!.valid && hex(verdicts[0]!.beta)).toBe(v.beta);
  });

  it('on random keys and inputs: byte-identical proofs and outputs, and each verifies on the other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (sk, alpha) => {
        const [portable, native] = [nobleEdwards, sodiumEdwards].map((backend) => ecvrfProver(sk, backend).prove(alpha));
        expect(hex(native!)).toBe(hex(portable!));
        const verdicts = backends.map((backend) => ecvrfVerify(ecvrfPublicKey(sk), alpha, native!, backend));
        expect(verdicts[0]!.valid).toBe(true);
        for (const verdict of verdicts.slice(1)) expect(verdict).toEqual(verdicts[0]);
        expect(hex(ecvrfProofToHash(portable!))).toBe(hex((verdicts[0] as { beta: Uint8Array }).beta));
      }),
      { numRuns: 25 },
    );
  });
});

describe('cofactorMultiple: libsodium\'s decoder with the RFC 8032 strictness it lacks, against noble\'s', () => {
  const agree = (encoding: Uint8Array) => {
    const [portable, native] = [nobleEdwards, sodiumEdwards].map((backend) => backend.cofactorMultiple(encoding));
    expect(native === undefined ? 'none' : hex(native)).toBe(portable === undefined ? 'none' : hex(portable));
  };

  it('on every small-order point, every non-canonical encoding, y = p - 1 and p + 1 with either sign', () => {
    const crafted = [
      ...ED25519_TORSION_SUBGROUP,
      ...NON_CANONICAL_SMALL_ORDER,
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      '0100000000000000000000000000000000000000000000000000000000000080',
    ];
    for (const encoding of crafted) agree(bytes(encoding));
  });

  it('on random bytes (half of which decode) and on points with a torsion component', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (encoding) => agree(encoding)), { numRuns: 5000 });
    const torsion = Point.fromBytes(bytes(ED25519_TORSION_SUBGROUP[1]!));
    for (let i = 1n; i < 200n; i++) agree(Point.BASE.multiply(i * 7919n).add(torsion).toBytes());
  });

  it('gives the prover\'s beta without decoding pi again', () => {
    for (const v of RFC9381) {
      for (const backend of backends) {
        const { proof, output } = ecvrfProver(bytes(v.sk), backend).evaluate(bytes(v.alpha));
        expect([hex(proof), hex(output)]).toEqual([v.pi, v.beta]);
      }
    }
  });
});

describe('mulSub: the dalek path (native module) against noble\'s exact arithmetic', () => {
  const native = nativeModule() ? it : it.skip;
  native('on random points, points with a torsion component, the base point, and s or c at their extremes', () => {
    const torsion = Point.fromBytes(bytes(ED25519_TORSION_SUBGROUP[1]!));
    const points = [Point.BASE, ...Array.from({ length: 6 }, (_, i) => Point.BASE.multiply(BigInt(i + 2) * 7919n)), ...Array.from({ length: 6 }, (_, i) => Point.BASE.multiply(BigInt(i + 3) * 104729n).add(torsion)), torsion];
    const scalars = [0n, 1n, 2n ** 128n - 1n, ED25519_ORDER - 1n, 0x1234567890abcdefn];
    for (const p of points) {
      for (const q of points) {
        for (const s of scalars) {
          const c = (s * 31n) % 2n ** 128n;
          expect(hex(nativeEdwards.mulSub(s, p.toBytes(), c, q.toBytes()))).toBe(hex(nobleEdwards.mulSub(s, p.toBytes(), c, q.toBytes())));
        }
      }
    }
  });
});
