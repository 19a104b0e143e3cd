// The operator makes VRF keys with the entropy core it ships (attested against its manifest), never with
// any other generator; the seed is wiped once the key is made, and nothing of it is ever logged.
import type { VrfKeyMaterial } from '../../contracts/vrf-keyset.js';
import { readCoreSeed } from '../../vrf/node/core-seed.js';
import { KEY_SEED_BYTES, newKeyMaterial } from '../../vrf/node/key-material.js';

/** The core's self-tests and 64 bytes take well under a second; this bounds a hung core. */
export const KEYGEN_TIMEOUT_MS = 30_000;

export interface VrfKeyMaker {
  make(createdAt: Date, activeFrom: Date): Promise<VrfKeyMaterial>;
}

export interface CoreFiles {
  corePath: string;
  manifestPath: string;
}

export function coreKeyMaker(core: CoreFiles, timeoutMs = KEYGEN_TIMEOUT_MS): VrfKeyMaker {
  return {
    async make(createdAt, activeFrom) {
      const seed = await readCoreSeed(core.corePath, core.manifestPath, KEY_SEED_BYTES, timeoutMs);
      try {
        return newKeyMaterial(seed.bytes, seed.coreSha256, createdAt, activeFrom);
      } finally {
        seed.bytes.fill(0);
      }
    },
  };
}
