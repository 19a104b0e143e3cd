// The VRF keyset: the file the operator writes into the appliance's Secret (<appliance>-vrf-keys, key
// keyset.json) and every pod of the appliance reads, so that all of them answer alike. It holds secrets
// (the seeds); nothing that reads it may log it. Retired keys stay: past beacon rounds are recomputed with
// the key that served them, and their public halves keep old answers verifiable.
import { parseJsonObject } from './json-object.js';
import { isSha256 } from './sha256.js';

export const VRF_KEYSET_FILE_NAME = 'keyset.json';
/** An appliance keeps at most this many keys; rotating past it is refused (the oldest must be pruned by hand). */
export const VRF_KEYSET_MAX_KEYS = 32;

export interface VrfKeyMaterial {
  /** keyId(vrf public key, ML-DSA public key) of vrf/key-id.ts. */
  key_id: string;
  /** The ECVRF secret key (RFC 8032 seed), hex, 32 bytes. */
  vrf_secret_key: string;
  /** The ML-DSA-65 key generation seed (FIPS 204 xi), hex, 32 bytes. */
  mldsa_seed: string;
  /** hex, 32 bytes. */
  vrf_public_key: string;
  /** The ML-DSA-65 public key, base64 (1,952 bytes). */
  public_key: string;
  created_at: string;
  /** Answers and beacon rounds at or after this time use this key, until the next key's active_from. */
  active_from: string;
  /** The core whose bytes made the seeds. */
  core_sha256: string;
}

export interface VrfKeyset {
  version: 1;
  /** Ascending active_from; the first key also serves any time before its own active_from. */
  keys: VrfKeyMaterial[];
}

export type VrfKeysetResult = { ok: true; keyset: VrfKeyset } | { ok: false; reason: string };

export const KEY_ID_PATTERN = /^r4k-[0-9a-f]{24}$/;
const HEX32 = /^[0-9a-f]{64}$/;
/** 1,952 bytes in base64 with padding: 651 groups of four, the last with one "=" (1,952 = 3 × 650 + 2). */
const MLDSA65_PUBLIC_KEY_BASE64 = /^[A-Za-z0-9+/]{2603}=$/;
/** RFC 3339 with a zone, as Date.toISOString writes it or any offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: unknown): value is string {
  return typeof value === 'string' && RFC3339.test(value) && Number.isFinite(Date.parse(value));
}

function keyProblem(value: unknown, index: number): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `keys[${index}] is not an object`;
  const key = value as Partial<Record<keyof VrfKeyMaterial, unknown>>;
  const checks: [keyof VrfKeyMaterial, (v: unknown) => boolean, string][] = [
    ['key_id', (v) => typeof v === 'string' && KEY_ID_PATTERN.test(v), 'r4k- and 24 lowercase hex digits'],
    ['vrf_secret_key', (v) => typeof v === 'string' && HEX32.test(v), '64 lowercase hex digits'],
    ['mldsa_seed', (v) => typeof v === 'string' && HEX32.test(v), '64 lowercase hex digits'],
    ['vrf_public_key', (v) => typeof v === 'string' && HEX32.test(v), '64 lowercase hex digits'],
    ['public_key', (v) => typeof v === 'string' && MLDSA65_PUBLIC_KEY_BASE64.test(v), 'an ML-DSA-65 public key in base64'],
    ['created_at', isRfc3339, 'an RFC 3339 time'],
    ['active_from', isRfc3339, 'an RFC 3339 time'],
    ['core_sha256', isSha256, '64 lowercase hex digits'],
  ];
  for (const [field, valid, expected] of checks) {
    // The value is never quoted: two of these fields are secrets.
    if (!valid(key[field])) return `keys[${index}].${field} must be ${expected}`;
  }
  return null;
}

/** Strict: a keyset that is not exactly right serves no VRF answer at all. */
export function parseVrfKeyset(text: string): VrfKeysetResult {
  const parsed = parseJsonObject(text, 'the VRF keyset');
  if (!parsed.ok) return parsed;
  const { version, keys } = parsed.object;
  if (version !== 1) return { ok: false, reason: 'the VRF keyset must have "version": 1' };
  if (!Array.isArray(keys) || keys.length === 0) return { ok: false, reason: 'the VRF keyset has no keys' };
  if (keys.length > VRF_KEYSET_MAX_KEYS) return { ok: false, reason: `the VRF keyset has more than ${VRF_KEYSET_MAX_KEYS} keys` };
  for (const [index, key] of keys.entries()) {
    const problem = keyProblem(key, index);
    if (problem) return { ok: false, reason: problem };
  }
  const typed = keys as VrfKeyMaterial[];
  if (new Set(typed.map((k) => k.key_id)).size !== typed.length) return { ok: false, reason: 'the VRF keyset names a key_id twice' };
  for (let i = 1; i < typed.length; i++) {
    if (Date.parse(typed[i]!.active_from) <= Date.parse(typed[i - 1]!.active_from)) {
      return { ok: false, reason: `keys[${i}].active_from is not after keys[${i - 1}].active_from` };
    }
  }
  return { ok: true, keyset: { version: 1, keys: typed } };
}

/** The key in force at `at` (ms since the epoch): the last one active by then, or the first. */
export function keyActiveAt<K extends Pick<VrfKeyMaterial, 'active_from'>>(keys: readonly K[], at: number): K {
  let chosen = keys[0]!;
  for (const key of keys) if (Date.parse(key.active_from) <= at) chosen = key;
  return chosen;
}
