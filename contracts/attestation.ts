// The signed attestation exchange between the operator and an entropy pod. The operator asks
// GET /attestation?nonce=<64 hex>&pod_uid=<uid>&container_id=<runtime://id> (a fresh nonce each time, the
// pod UID and container ID the kubelet reports); the pod answers with its /version document, as the exact
// text it signed, and an Ed25519 signature over attestationMessage(): a domain tag and each field with its
// length, so no two different exchanges can ever sign the same bytes. The key is the pod's own, made from
// its core's bytes when the container starts; the operator binds it to (pod UID, container ID) at first
// contact. A pod that cannot make its key (its core cannot run) answers unsigned and says why.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseJsonObject } from './json-object.js';

export const ATTESTATION_PATH = '/attestation';
export const ATTESTATION_ALGORITHM = 'Ed25519';
/** Bytes of a nonce: as many as a SHA-256, so guessing one is out of the question. */
export const NONCE_BYTES = 32;
/** Domain separation: these bytes start every signed message and nothing else r4 signs. */
export const ATTESTATION_DOMAIN = 'r4.dev/attestation/v1';

export const NONCE_PATTERN = /^[0-9a-f]{64}$/;
/** A Kubernetes object UID (a UUID) or anything of that shape. */
export const POD_UID_PATTERN = /^[0-9A-Za-z-]{1,64}$/;
/** As in status.containerStatuses[].containerID: `<runtime>://<id>`. */
export const CONTAINER_ID_PATTERN = /^[a-z0-9][a-z0-9.+-]{0,31}:\/\/[0-9A-Za-z._-]{1,128}$/;

export interface AttestationRequest {
  /** 64 lowercase hex digits. */
  nonce: string;
  podUid: string;
  containerId: string;
}

/** The answer on the wire. `document` is the /version JSON text exactly as signed. */
export interface AttestationAnswer {
  algorithm: typeof ATTESTATION_ALGORITHM;
  nonce: string;
  pod_uid: string;
  container_id: string;
  document: string;
  /** The raw 32-byte Ed25519 public key, base64; null when unsigned. */
  public_key: string | null;
  /** 64 bytes, base64; null when unsigned. */
  signature: string | null;
  /** Why the answer is unsigned; null when signed. */
  unsigned_reason: string | null;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** What is signed: the domain, then nonce, pod UID, container ID and document, each as length and bytes. */
export function attestationMessage(request: AttestationRequest, document: string): Buffer {
  const fields = [Buffer.from(ATTESTATION_DOMAIN), Buffer.from(request.nonce, 'hex'), Buffer.from(request.podUid), Buffer.from(request.containerId), Buffer.from(document)];
  return Buffer.concat(fields.flatMap((f) => [u32(f.length), f]));
}

export function attestationQuery(request: AttestationRequest): string {
  return new URLSearchParams({ nonce: request.nonce, pod_uid: request.podUid, container_id: request.containerId }).toString();
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** An Ed25519 public key from its 32 raw bytes; undefined for anything else. */
export function ed25519PublicKey(raw: Buffer): KeyObject | undefined {
  if (raw.length !== 32) return undefined;
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

export type ParsedAnswer = { ok: true; answer: AttestationAnswer } | { ok: false; reason: string };

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Parses the answer's shape strictly; the signature itself is checked by the operator. */
export function parseAttestationAnswer(body: string): ParsedAnswer {
  const parsed = parseJsonObject(body, 'the attestation answer');
  if (!parsed.ok) return parsed;
  const a = parsed.object;
  if (a.algorithm !== ATTESTATION_ALGORITHM) return { ok: false, reason: `the attestation answer's algorithm is not ${ATTESTATION_ALGORITHM}` };
  for (const field of ['nonce', 'pod_uid', 'container_id', 'document'] as const) {
    if (!isString(a[field])) return { ok: false, reason: `the attestation answer has no ${field}` };
  }
  for (const field of ['public_key', 'signature', 'unsigned_reason'] as const) {
    if (!isNullableString(a[field])) return { ok: false, reason: `the attestation answer's ${field} is neither a string nor null` };
  }
  if ((a.public_key === null) !== (a.signature === null)) return { ok: false, reason: 'the attestation answer has a public key without a signature, or the reverse' };
  return { ok: true, answer: a as unknown as AttestationAnswer };
}
