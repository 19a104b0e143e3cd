import type { Encoding } from '../core/entropy.js';
import { unknownParameters } from './queryParameters.js';

/** The query of GET /random, validated purely: every answer to bad input is a 400 that says what is wrong. */
export const FORMATS = ['raw', 'hex', 'base64'] as const satisfies readonly Encoding[];
export type Format = (typeof FORMATS)[number];

export interface RandomQuery {
  n: number;
  fmt: Format;
}

export type QueryResult = { ok: true; query: RandomQuery } | { ok: false; detail: string };

const KNOWN = ['n', 'fmt', 'key'];
const ZERO = 0x30;
const NINE = 0x39;

export function parseRandomQuery(query: Readonly<Record<string, unknown>>, maxBytes: number): QueryResult {
  const problems: string[] = [];
  const unknown = unknownParameters(query, KNOWN);
  if (unknown) problems.push(unknown);

  const n = query.n;
  let bytes = 0;
  if (n === undefined) problems.push(`n is required: ${describeRange(maxBytes)}`);
  else if (typeof n !== 'string') problems.push('n must be given once');
  else {
    bytes = decimal(n);
    if (bytes < 1 || bytes > maxBytes) problems.push(`n must be ${describeRange(maxBytes)}`);
  }

  const fmt = query.fmt;
  let format: Format = 'raw';
  if (fmt !== undefined) {
    if (typeof fmt !== 'string') problems.push('fmt must be given once');
    else if (!isFormat(fmt)) problems.push(`fmt must be one of ${FORMATS.join(', ')}`);
    else format = fmt;
  }

  return problems.length === 0 ? { ok: true, query: { n: bytes, fmt: format } } : { ok: false, detail: problems.join('; ') };
}

/** The value of a string of decimal digits only, else 0 (never in range). Cheaper than a regex and Number(). */
function decimal(text: string): number {
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return 0;
    value = value * 10 + (c - ZERO);
  }
  return value;
}

function describeRange(maxBytes: number): string {
  return `an integer from 1 to ${maxBytes}`;
}

function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}
