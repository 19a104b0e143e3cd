import type { IncomingHttpHeaders } from 'node:http';
import type { KeyStore } from './keyStore.js';

/**
 * The id of the key a request presents if it is in force, else null: from header `x-api-key` or query `key`
 * (the header wins when both are sent). A missing key and a wrong one are the same null, and so the same
 * answer, which tells nothing about which keys exist.
 */
export function presentedKeyId(keys: KeyStore, headers: IncomingHttpHeaders, query: Readonly<Record<string, unknown>>): string | null {
  const header = headers['x-api-key'];
  const presented = typeof header === 'string' ? header : query.key;
  return typeof presented === 'string' ? keys.lookup(presented) : null;
}
