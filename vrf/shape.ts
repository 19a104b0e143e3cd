// The exact shape of an answer or a pulse, checked before any cryptography: every field present with its
// type and length, no field that the signature does not cover, binary fields in their one canonical text.
import { VRF_SIGNATURE_ALGORITHM, VRF_SUITE } from '../contracts/vrf-keys-document.js';
import type { BeaconPulse, VrfAnswer } from './answer.js';
import { ML_DSA_65 } from './mldsa.js';
import { isCanonicalBase64, isHex } from './text.js';

/** The longest alpha /vrf takes, in bytes. */
export const MAX_ALPHA_BYTES = 1024;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Check = (value: unknown) => boolean;
const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 253;
const time = (value: unknown) => typeof value === 'string' && RFC3339.test(value) && Number.isFinite(Date.parse(value));
const hex = (bytes: number) => (value: unknown) => isHex(value, bytes);
const base64Of = (bytes: number) => (value: unknown) => isCanonicalBase64(value, bytes);

const COMMON: Record<string, [Check, string]> = {
  suite: [(v) => v === VRF_SUITE, `"${VRF_SUITE}"`],
  signature_algorithm: [(v) => v === VRF_SIGNATURE_ALGORITHM, `"${VRF_SIGNATURE_ALGORITHM}"`],
  appliance: [text, 'a non-empty string'],
  key_id: [text, 'a non-empty string'],
  core_sha256: [hex(32), '64 lowercase hex digits'],
  proof: [hex(80), '80 bytes of lowercase hex'],
  random: [hex(64), '64 bytes of lowercase hex'],
  vrf_public_key: [hex(32), '32 bytes of lowercase hex'],
  public_key: [base64Of(ML_DSA_65.publicKeyBytes), `${ML_DSA_65.publicKeyBytes} bytes of canonical base64`],
  signature: [base64Of(ML_DSA_65.signatureBytes), `${ML_DSA_65.signatureBytes} bytes of canonical base64`],
  // Not signed: the server's word that it checked the answer. An answer it does not vouch for is refused.
  verified: [(v) => v === true, 'true (the service verified it before sending it)'],
};

const ANSWER: Record<string, [Check, string]> = {
  ...COMMON,
  alpha: [(v) => isHex(v) && v.length <= 2 * MAX_ALPHA_BYTES, `lowercase hex of at most ${MAX_ALPHA_BYTES} bytes`],
  issued_at: [time, 'an RFC 3339 time'],
};

const PULSE: Record<string, [Check, string]> = {
  ...COMMON,
  alpha: [hex(32), '32 bytes of lowercase hex'],
  chain_id: [text, 'a non-empty string'],
  round: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'an integer from 1'],
  time: [time, 'an RFC 3339 time'],
  previous: [(v) => v === null || isHex(v, 64), 'null or 64 bytes of lowercase hex'],
  next_commitment: [hex(32), '32 bytes of lowercase hex'],
};

export type ShapeResult<T> = { ok: true; value: T } | { ok: false; detail: string };

function shaped<T>(json: unknown, fields: Record<string, [Check, string]>, what: string): ShapeResult<T> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, detail: `the ${what} is not a JSON object` };
  const record = json as Record<string, unknown>;
  const unknown = Object.keys(record).filter((name) => !(name in fields));
  if (unknown.length > 0) return { ok: false, detail: `the ${what} has fields no signature covers: ${unknown.slice(0, 5).join(', ')}` };
  for (const [name, [valid, expected]] of Object.entries(fields)) {
    if (!(name in record)) return { ok: false, detail: `the ${what} has no ${name}` };
    if (!valid(record[name])) return { ok: false, detail: `the ${what}'s ${name} must be ${expected}` };
  }
  return { ok: true, value: json as T };
}

/** The OpenAPI schema of an answer or a pulse, from the same table the checks use. */
function documented(fields: Record<string, [Check, string]>, description: string) {
  return {
    description,
    type: 'object',
    required: Object.keys(fields),
    properties: Object.fromEntries(Object.entries(fields).map(([name, [, expected]]) => [name, { description: expected }])),
  };
}

export const ANSWER_SCHEMA = documented(ANSWER, 'A /vrf answer: verify it offline with `r4 verify` (docs/vrf.md)');
export const PULSE_SCHEMA = documented(PULSE, 'A beacon pulse: verify it, and its neighbours, offline with `r4 verify` (docs/vrf.md)');

export const answerShape = (json: unknown) => shaped<VrfAnswer>(json, ANSWER, 'answer');
export const pulseShape = (json: unknown) => shaped<BeaconPulse>(json, PULSE, 'pulse');
/** A pulse has a chain_id and a round; an answer has neither. */
export const looksLikePulse = (json: unknown) => typeof json === 'object' && json !== null && 'chain_id' in json && 'round' in json;
