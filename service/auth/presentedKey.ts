import type { IncomingHttpHeaders } from 'node:http';

export type PresentedKey = { ok: true; keyId: string } | { ok: false; detail: string };

const INVALID_KEY: PresentedKey = { ok: false, detail: 'invalid api key' };
const QUERY_KEY_OFF: PresentedKey = {
  ok: false,
  detail: 'API keys in the query string are turned off here (ALLOW_QUERY_KEY=0): send the key in the x-api-key header',
};

/**
 * The id of the key a request presents if it is in force: from header `x-api-key` or query `key` (the
 * header wins when both are sent). A missing key and a wrong one get the same answer, which tells nothing
 * about which keys exist. With query keys turned off, a request with `key` in its query is refused whatever
 * it carries, so a client learns to stop putting its key into URLs (and logs, histories, referrers).
 */
export function presentedKey(
  lookup: (key: string) => string | null,
  headers: IncomingHttpHeaders,
  query: Readonly<Record<string, unknown>>,
  allowQueryKey: boolean,
): PresentedKey {
  if (!allowQueryKey && query.key !== undefined) return QUERY_KEY_OFF;
  const header = headers['x-api-key'];
  const presented = typeof header === 'string' ? header : query.key;
  const keyId = typeof presented === 'string' ? lookup(presented) : null;
  return keyId === null ? INVALID_KEY : { ok: true, keyId };
}
