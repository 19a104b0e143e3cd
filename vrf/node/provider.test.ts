// The Node provider and the portable one are interchangeable: same verdicts on the same answers.
import { ecvrfProver, ecvrfVerify } from '../ecvrf.js';
import { portableProvider } from '../provider.js';
import { mlDsa65FromSeed } from './mldsa-node.js';
import { nodeProvider } from './provider.js';
import { nativeModule } from './native-module.js';

test('portable and Node providers give the same ECVRF and ML-DSA-65 verdicts', () => {
  const prover = ecvrfProver(new Uint8Array(32).fill(1), nodeProvider.edwards);
  const signer = mlDsa65FromSeed(new Uint8Array(32).fill(2));
  const alpha = Uint8Array.of(1, 2, 3);
  const pi = prover.prove(alpha);
  const signature = signer.sign(pi);
  for (const provider of [portableProvider, nodeProvider]) {
    expect(ecvrfVerify(prover.publicKey, alpha, pi, provider.edwards).valid).toBe(true);
    expect(ecvrfVerify(prover.publicKey, Uint8Array.of(1, 2), pi, provider.edwards).valid).toBe(false);
    expect(provider.mldsa.verify(signer.publicKey, pi, signature)).toBe(true);
    expect(provider.mldsa.verify(signer.publicKey, alpha, signature)).toBe(false);
  }
  // Where the native module is built, verification's s·P − c·Q is dalek's (edwards-native.ts).
  expect([portableProvider.edwards.name, nodeProvider.edwards.name]).toEqual(['noble', nativeModule() ? 'sodium+dalek' : 'sodium']);
});
