// What a pod's attestation answer proves, checked without trusting any of it: that it answers this very
// probe (the nonce, pod UID and container ID the operator sent), that its signature verifies under the key
// it carries, and what its document says. Whether that key is the one bound to the container is the
// verdict's business (verdict.ts). Pure.
import { verify } from 'node:crypto';
import { attestationMessage, ed25519PublicKey, parseAttestationAnswer, type AttestationRequest } from '../../contracts/attestation.js';
import { parseVersionDocument } from '../../contracts/version-document.js';
import type { ProbeOutcome } from './verdict.js';

const invalid = (message: string): ProbeOutcome => ({ kind: 'rejected', reason: 'AttestationSignatureInvalid', message });

export function checkAnswer(request: AttestationRequest, body: string): ProbeOutcome {
  const parsed = parseAttestationAnswer(body);
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const answer = parsed.answer;
  // An answer to another probe (a recording replayed, or one meant for another pod) proves nothing.
  if (answer.nonce !== request.nonce) return invalid('the answer is for another nonce: a replayed or foreign answer');
  if (answer.pod_uid !== request.podUid || answer.container_id !== request.containerId) {
    return invalid(`the answer names pod ${answer.pod_uid} and container ${answer.container_id}, not this pod's ${request.podUid} and ${request.containerId}`);
  }
  if (answer.public_key === null || answer.signature === null) {
    const document = parseVersionDocument(answer.document);
    if (!document.ok) return { kind: 'malformed', reason: document.reason };
    return { kind: 'unsigned', fields: document.fields, reason: answer.unsigned_reason ?? 'no reason given' };
  }
  const key = ed25519PublicKey(Buffer.from(answer.public_key, 'base64'));
  if (!key) return invalid('the answer carries no valid Ed25519 public key');
  const signature = Buffer.from(answer.signature, 'base64');
  if (signature.length !== 64 || !verify(null, attestationMessage(request, answer.document), key, signature)) {
    return invalid('the signature does not verify under the key the answer carries');
  }
  const document = parseVersionDocument(answer.document);
  if (!document.ok) return { kind: 'malformed', reason: document.reason };
  return { kind: 'answered', fields: document.fields, key: answer.public_key };
}
