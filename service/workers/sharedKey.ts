// The attestation key of a service with several workers: one process, one key (attestation/signer.ts). The
// first worker whose core serves sealed makes it, from its own core, as a lone process does; the primary
// hands the KeyObject to every worker, present and future. A KeyObject crosses threads by postMessage without
// its bytes ever being exported, so no copy of the seed exists outside OpenSSL's key objects.
import type { KeyObject } from 'node:crypto';
import { signingKey, type AttestationKeySource, type SigningKey } from '../attestation/signer.js';

/**
 * How long /attestation waits for the key while the first sealed core makes it (milliseconds of work): an
 * unsigned answer from a sealed service would be cordoned as AttestationSignatureInvalid.
 */
const KEY_WAIT_MS = 2_000;

export class SharedKeySource implements AttestationKeySource {
  private key: SigningKey | null = null;
  private readonly arrived: Promise<void>;
  private arrive: () => void = () => undefined;

  constructor() {
    this.arrived = new Promise((resolve) => {
      this.arrive = resolve;
    });
  }

  /** The key the primary sent; it never changes for the life of the process. */
  received(privateKey: KeyObject): void {
    if (this.key !== null) return;
    this.key = signingKey(privateKey);
    this.arrive();
  }

  async current(): Promise<SigningKey | { unsigned: string }> {
    if (this.key === null) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.arrived, new Promise<void>((resolve) => (timer = setTimeout(resolve, KEY_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return this.key ?? { unsigned: 'no attestation key yet: no worker\'s core has served sealed' };
  }
}
