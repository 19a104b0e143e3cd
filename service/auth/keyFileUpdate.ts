import { parseKeysFile } from './keys.js';

/** One read of the key file: its text, or the error code that stopped it. */
export type KeyFileRead = { ok: true; text: string } | { ok: false; code: string };

export type KeyFileUpdate =
  /** Put these keys in force (none: every key is revoked, as the file says). */
  | { action: 'apply'; keys: string[] }
  /** Revoke every key: the file is gone or unreadable, so nothing vouches for the keys any more. */
  | { action: 'revoke'; why: string }
  /** Keep the keys in force: the file is being written, or says something that cannot be meant. */
  | { action: 'keep'; why: string; retry: boolean };

/**
 * What two consecutive reads of a changed key file (a moment apart) mean. Fail closed: a file that cannot
 * be read revokes everything. A file that changed between the reads is still being written in place and is
 * not applied (its first half could name fewer keys, or a truncated one); it is read again. A file that
 * reads the same twice but holds a bad line keeps the keys in force, so a typo does not lock every caller
 * out; it is reported by line number, never quoted.
 */
export function keyFileUpdate(first: KeyFileRead, second: KeyFileRead, demo: boolean): KeyFileUpdate {
  if (!first.ok) return revoked(first.code);
  if (!second.ok) return revoked(second.code);
  if (first.text !== second.text) return { action: 'keep', why: 'the file changed while it was read (an edit in progress)', retry: true };
  const parsed = parseKeysFile(second.text, demo);
  if (parsed.problems.length > 0) return { action: 'keep', why: parsed.problems.join('; '), retry: false };
  return { action: 'apply', keys: parsed.keys };
}

function revoked(code: string): KeyFileUpdate {
  return { action: 'revoke', why: code === 'ENOENT' ? 'the file is gone' : `the file cannot be read (${code})` };
}
