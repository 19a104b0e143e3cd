import { createHmac, randomBytes } from 'node:crypto';
import { keyProblem } from './keyPolicy.js';

/**
 * The keys in force, looked up by their HMAC under the process's secret, so a presented key is never
 * compared byte by byte with a key.
 */
export interface KeyRing {
  /** HMAC-SHA256(secret, key) in hex → key id */
  readonly byMac: ReadonlyMap<string, string>;
  readonly secret: Buffer;
  /**
   * Presented keys already found in force → key id, so a known key is hashed once, not on every request.
   * Only hits are kept (wrong keys cannot grow it), and the cache dies with its ring when keys rotate.
   */
  readonly known: Map<string, string>;
}

export interface ParsedKeys {
  keys: string[];
  /** Problems by line number; a key itself is never quoted. */
  problems: string[];
}

/**
 * One key per line; blank lines and lines starting with `#` are ignored; surrounding whitespace is trimmed.
 * Each key must pass keyPolicy.ts (short keys only in demo mode).
 */
export function parseKeysFile(text: string, demo: boolean): ParsedKeys {
  const keys = new Set<string>();
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = keyProblem(line, demo);
    if (problem === null) keys.add(line);
    else problems.push(`the key on line ${index + 1} ${problem}`);
  });
  return { keys: [...keys], problems };
}

/** The secret key ids are made with: random, one per process, never written anywhere. */
export function newKeyIdSecret(): Buffer {
  return randomBytes(32);
}

export function keyMac(secret: Buffer, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

/**
 * What logs and metrics call a key: the first 12 hex digits of its HMAC under the process's secret. A bare
 * hash of the key would let anyone who reads the logs test guesses offline; this id tells keys apart within
 * one process and says nothing about them outside it (so the same key has another id on another replica or
 * after a restart).
 */
export function keyIdFromMac(mac: string): string {
  return mac.slice(0, 12);
}

export function keyRing(keys: readonly string[], secret: Buffer): KeyRing {
  const byMac = new Map<string, string>();
  for (const key of keys) {
    const mac = keyMac(secret, key);
    byMac.set(mac, keyIdFromMac(mac));
  }
  return { byMac, secret, known: new Map() };
}

/** The id of the presented key if it is in force, else null. */
export function lookupKey(ring: KeyRing, presented: string): string | null {
  const known = ring.known.get(presented);
  if (known !== undefined) return known;
  const id = ring.byMac.get(keyMac(ring.secret, presented));
  if (id === undefined) return null;
  ring.known.set(presented, id);
  return id;
}
