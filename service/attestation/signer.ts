// The pod's attestation key: Ed25519, made once per process from 32 bytes of its own sealed core (never
// from another generator), kept in memory only. It is made when the core first serves sealed, so a pod
// whose core cannot run has no key and answers unsigned, saying why. The key never changes for the life of
// the process: the operator binds it to this container at first contact and cordons a container whose
// key changes.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { ATTESTATION_ALGORITHM, attestationMessage, type AttestationAnswer, type AttestationRequest } from '../../contracts/attestation.js';
import { wipeAnswer } from '../core/answerBuffers.js';
import { drawEntropy } from '../core/entropy.js';
import type { CoreSupervisor } from '../core/supervisor.js';

/** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface SigningKey {
  /** The raw 32-byte public key. */
  publicKey: Buffer;
  /** For the service's other worker threads (postMessage clones a KeyObject, never exposing its bytes). */
  privateKey: KeyObject;
  sign(message: Buffer): Buffer;
}

/** Where /attestation gets its key: this process's signer, or the key its workers share (workers/). */
export interface AttestationKeySource {
  current(): Promise<SigningKey | { unsigned: string }>;
}

export function signingKeyFromSeed(seed: Buffer): SigningKey {
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
  const privateKey: KeyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  return signingKey(privateKey);
}

export function signingKey(privateKey: KeyObject): SigningKey {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { publicKey: spki.subarray(spki.length - 32), privateKey, sign: (message) => sign(null, message, privateKey) };
}

export class AttestationSigner implements AttestationKeySource {
  private key: Promise<SigningKey> | undefined;

  constructor(private readonly supervisor: CoreSupervisor) {}

  /** The key, made now from the core if it serves sealed and there is none yet; otherwise why not. */
  async current(): Promise<SigningKey | { unsigned: string }> {
    if (this.key) return this.key;
    if (this.supervisor.mode !== 'sealed') {
      return { unsigned: `no attestation key: the core has not served sealed yet (mode ${this.supervisor.mode}: ${this.supervisor.snapshot().reason ?? 'starting'})` };
    }
    const made = Promise.resolve(drawEntropy(this.supervisor, 32, 'raw')).then((draw) => {
      // In sealed mode the bytes are the core's; the check keeps it so if the mode changed meanwhile.
      if (draw.source !== 'core') throw new Error('the core stopped serving before the attestation key was made');
      const seed = draw.body as Buffer;
      try {
        return signingKeyFromSeed(seed);
      } finally {
        wipeAnswer(seed);
      }
    });
    this.key = made;
    made.catch(() => {
      if (this.key === made) this.key = undefined;
    });
    return made;
  }
}

/** The answer to `request` with `document`: signed with `key`, or unsigned, saying why. */
export function attestationAnswer(request: AttestationRequest, document: string, key: SigningKey | { unsigned: string }): AttestationAnswer {
  const signed = 'sign' in key;
  return {
    algorithm: ATTESTATION_ALGORITHM,
    nonce: request.nonce,
    pod_uid: request.podUid,
    container_id: request.containerId,
    document,
    public_key: signed ? key.publicKey.toString('base64') : null,
    signature: signed ? key.sign(attestationMessage(request, document)).toString('base64') : null,
    unsigned_reason: signed ? null : key.unsigned,
  };
}
