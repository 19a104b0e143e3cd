import { verify } from 'node:crypto';
import { ed25519PublicKey } from '../../contracts/attestation.js';
import { signingKeyFromSeed } from './signer.js';

// RFC 8032, section 7.1, TEST 1, TEST 2 and TEST 3: secret key (the 32-byte seed), public key, message, signature.
const VECTORS = [
  {
    name: 'TEST 1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('the attestation key (Ed25519 through OpenSSL), against RFC 8032', () => {
  it.each(VECTORS)('$name: the seed gives the published public key and signature', ({ seed, publicKey, message, signature }) => {
    const key = signingKeyFromSeed(Buffer.from(seed, 'hex'));
    expect(key.publicKey.toString('hex')).toBe(publicKey);
    expect(key.sign(Buffer.from(message, 'hex')).toString('hex')).toBe(signature);
  });

  it.each(VECTORS)("$name: the operator's key decoding verifies the published signature and refuses a changed one", ({ publicKey, message, signature }) => {
    const key = ed25519PublicKey(Buffer.from(publicKey, 'hex'));
    if (!key) throw new Error('the published public key was refused');
    const sig = Buffer.from(signature, 'hex');
    expect(verify(null, Buffer.from(message, 'hex'), key, sig)).toBe(true);
    sig[0] = (sig[0] as number) ^ 1;
    expect(verify(null, Buffer.from(message, 'hex'), key, sig)).toBe(false);
  });

});
