// The part of an entropy pod's GET /version answer that attestation relies on, parsed strictly:
// anything that does not match exactly is "malformed", which is itself a reason to cordon.

export type Integrity = 'verified' | 'mismatch' | 'missing';
export type SelfTest = 'pass' | 'degraded' | 'fail';
export type Mode = 'sealed' | 'fallback' | 'blocked';

export interface VersionDocument {
  coreSha256: string;
  integrity: Integrity;
  selftest: SelfTest;
  mode: Mode;
}

export type ParsedVersion = { ok: true; document: VersionDocument } | { ok: false; reason: string };

const INTEGRITY: readonly string[] = ['verified', 'mismatch', 'missing'];
const SELFTEST: readonly string[] = ['pass', 'degraded', 'fail'];
const MODE: readonly string[] = ['sealed', 'fallback', 'blocked'];
const SHA256 = /^[0-9a-f]{64}$/;

function oneOf<T extends string>(value: unknown, allowed: readonly string[]): value is T {
  return typeof value === 'string' && allowed.includes(value);
}

/** Parses the body of GET /version; the service may add fields, but these four must be exact. */
export function parseVersionDocument(body: string): ParsedVersion {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the /version answer is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'the /version answer is not a JSON object' };
  }
  const doc = json as Record<string, unknown>;
  const { core_sha256: coreSha256, integrity, selftest, mode } = doc;
  // A core that could not be hashed reports an empty hash; only a well-formed hash can ever match.
  if (typeof coreSha256 !== 'string' || (coreSha256 !== '' && !SHA256.test(coreSha256))) {
    return { ok: false, reason: 'core_sha256 is not a lowercase SHA-256 hex string' };
  }
  if (!oneOf<Integrity>(integrity, INTEGRITY)) return { ok: false, reason: `integrity is not one of ${INTEGRITY.join(', ')}` };
  if (!oneOf<SelfTest>(selftest, SELFTEST)) return { ok: false, reason: `selftest is not one of ${SELFTEST.join(', ')}` };
  if (!oneOf<Mode>(mode, MODE)) return { ok: false, reason: `mode is not one of ${MODE.join(', ')}` };
  return { ok: true, document: { coreSha256, integrity, selftest, mode } };
}
