import { hash } from 'node:crypto';
import { isValidApiKey } from '../config.js';

/** The keys in force: looked up by SHA-256, so a presented key is never compared byte by byte with a secret. */
export interface KeyRing {
  /** sha256(key) in hex → key id */
  readonly byDigest: ReadonlyMap<string, string>;
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

/** One key per line; blank lines and lines starting with `#` are ignored; surrounding whitespace is trimmed. */
export function parseKeysFile(text: string): ParsedKeys {
  const keys = new Set<string>();
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (isValidApiKey(line)) keys.add(line);
    else problems.push(`line ${index + 1} is not a valid key (printable ASCII, no spaces, at most 512 characters)`);
  });
  return { keys: [...keys], problems };
}

/** One-shot hashing: a third of the cost of createHash().update().digest() on every authenticated request. */
export function digestKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/**
 * What logs and metrics call a key: the first 12 hex digits of its SHA-256. It tells keys apart across
 * restarts and replicas without revealing them (a strong key cannot be recovered from 48 bits of its hash).
 */
export function keyIdFromDigest(digest: string): string {
  return digest.slice(0, 12);
}

export function keyRing(keys: readonly string[]): KeyRing {
  const byDigest = new Map<string, string>();
  for (const key of keys) {
    const digest = digestKey(key);
    byDigest.set(digest, keyIdFromDigest(digest));
  }
  return { byDigest, known: new Map() };
}

/** The id of the presented key if it is in force, else null. */
export function lookupKey(ring: KeyRing, presented: string): string | null {
  const known = ring.known.get(presented);
  if (known !== undefined) return known;
  const id = ring.byDigest.get(digestKey(presented));
  if (id === undefined) return null;
  ring.known.set(presented, id);
  return id;
}
