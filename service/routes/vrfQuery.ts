// The inputs of /vrf and /vrf/beacon/{round}, checked strictly: a malformed one gets 400 and says why.
import { MAX_ALPHA_BYTES } from '../../vrf/shape.js';
import { unknownParameters } from './queryParameters.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

const VRF_PARAMETERS = ['alpha', 'key'];
const KEY_ONLY = ['key'];

/** `alpha`: lowercase or uppercase hex of 1 to 1,024 bytes; answers carry it in lowercase. */
export function parseVrfQuery(query: Readonly<Record<string, unknown>>): Parsed<string> {
  const unknown = unknownParameters(query, VRF_PARAMETERS);
  if (unknown !== undefined) return { ok: false, detail: unknown };
  const alpha = query.alpha;
  if (alpha === undefined) return { ok: false, detail: 'alpha is required: the VRF input, hex of 1 to 1024 bytes' };
  if (typeof alpha !== 'string') return { ok: false, detail: 'alpha must be given once' };
  if (!/^[0-9a-fA-F]*$/.test(alpha)) return { ok: false, detail: 'alpha must be hex (0-9, a-f)' };
  if (alpha.length % 2 !== 0) return { ok: false, detail: 'alpha must be whole bytes: an even number of hex digits' };
  if (alpha.length === 0 || alpha.length > 2 * MAX_ALPHA_BYTES) return { ok: false, detail: `alpha must be 1 to ${MAX_ALPHA_BYTES} bytes (got ${alpha.length / 2})` };
  return { ok: true, value: alpha.toLowerCase() };
}

/** Routes without a query of their own take only the key. */
export function parseKeyOnlyQuery(query: Readonly<Record<string, unknown>>): Parsed<null> {
  const unknown = unknownParameters(query, KEY_ONLY);
  return unknown === undefined ? { ok: true, value: null } : { ok: false, detail: unknown };
}

/**
 * A round is a decimal integer without sign or leading zeros. One too large to be a safe integer is a round
 * far in the future (404 from the caller), not a malformed one.
 */
export function parseRound(text: string): Parsed<number> {
  if (!/^(0|[1-9]\d*)$/.test(text)) return { ok: false, detail: `round must be a decimal integer such as 1 or 42 (got ${JSON.stringify(text.slice(0, 40))})` };
  const round = Number(text);
  return { ok: true, value: Number.isSafeInteger(round) ? round : Number.MAX_SAFE_INTEGER };
}
