// The optional native half of /vrf (native/vrf-native): ML-DSA-65 through libcrux-ml-dsa (AVX2 chosen at run time),
// about 6x faster than node:crypto at signing, and ECVRF verification's s·P − c·Q through curve25519-dalek. `make -C native` builds it only where a recent enough cargo is present, so its absence
// is normal (the images never have it): then this answers null and mldsa-node.ts uses node:crypto.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What native/vrf-native/src/lib.rs exports. Lengths are checked in Rust: a wrong one throws (verify: false). */
export interface NativeModule {
  keyPair(seed: Uint8Array): { publicKey: Buffer; signingKey: Buffer };
  sign(signingKey: Uint8Array, message: Uint8Array, randomness: Uint8Array): Buffer;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** s·P − c·Q for public 32-byte little-endian scalars and point encodings; null when a point does not decode. */
  edwardsMulSub(s: Uint8Array, p: Uint8Array, c: Uint8Array, q: Uint8Array): Buffer | null;
}

const NATIVE_MODULE_PATH = join('native', 'build', 'r4_vrf_native.node');

/** The package root: the nearest directory above this file with a package.json (vrf/node and dist/vrf/node alike). */
function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** R4_VRF_NATIVE=0 turns the module off: node:crypto and libsodium (tests of the fallback; operators who want OpenSSL only). */
export function nativeWanted(env: NodeJS.ProcessEnv): boolean {
  return env['R4_VRF_NATIVE'] !== '0';
}

let loaded: NativeModule | null | undefined;

/** The module, loaded once per thread; null when it is not built or not wanted. A module that is there but fails to load throws. */
export function nativeModule(): NativeModule | null {
  if (loaded !== undefined) return loaded;
  const root = packageRoot();
  const path = root === undefined ? undefined : join(root, NATIVE_MODULE_PATH);
  loaded = nativeWanted(process.env) && path !== undefined && existsSync(path) ? (createRequire(import.meta.url)(path) as NativeModule) : null;
  return loaded;
}
