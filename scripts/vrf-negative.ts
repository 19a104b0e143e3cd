// The negative vectors (test/vectors/vrf/negative.json), derived from the published answers and pulses:
// for every item and every field, one copy with that field altered by one bit. A string gets a flip of the
// lowest bit of one character that keeps the item well formed, when one exists, and a flip that breaks its
// form; `round` gets +1; `verified` true→false; a null `previous` becomes a well-formed output and "".
// Each entry names the field, what changed, and the check of `r4 verify` that must reject it. Pure and
// deterministic: test/cli/r4-cli.test.ts re-derives the file to prove it is not stale.
import { answerShape, pulseShape } from '../vrf/shape.js';

export type Item = Record<string, unknown>;

export interface NegativeEntry {
  /** "answer 0" or "pulse 3" (the index in answers.json or pulses.json). */
  item: string;
  field: string;
  /** What was altered, in words. */
  alteration: string;
  /** kept: the copy is still well formed, so a cryptographic or trust check rejects it; broken: the shape check does. */
  form: 'kept' | 'broken';
  /** The check of `r4 verify` (vrf/verify.ts) that fails on it, among possibly others. */
  rejected_by: string;
  value: Item;
}

/** For a well-formed alteration of each field, the check that catches it first. */
const CAUGHT_BY: Record<string, string> = {
  appliance: 'appliance',
  key_id: 'key',
  core_sha256: 'signature',
  alpha: 'proof',
  proof: 'proof',
  random: 'random',
  vrf_public_key: 'key',
  public_key: 'key',
  signature: 'signature',
  issued_at: 'signature',
  chain_id: 'chain',
  round: 'input',
  time: 'time',
  previous: 'signature',
  next_commitment: 'signature',
};

const flipped = (text: string, index: number, bit: number) => text.slice(0, index) + String.fromCharCode(text.charCodeAt(index) ^ (1 << bit)) + text.slice(index + 1);
const shown = (c: string) => JSON.stringify(c);

function alterations(item: Item, field: string, wellFormed: (json: unknown) => boolean): { alteration: string; form: 'kept' | 'broken'; value: unknown }[] {
  const value = item[field];
  const ok = (altered: unknown) => wellFormed({ ...item, [field]: altered });
  if (typeof value === 'boolean') return [{ alteration: `${value} → ${!value}`, form: ok(!value) ? 'kept' : 'broken', value: !value }];
  if (typeof value === 'number') return [{ alteration: `${value} → ${value + 1}`, form: ok(value + 1) ? 'kept' : 'broken', value: value + 1 }];
  if (value === null) {
    const output = '00'.repeat(64);
    return [
      { alteration: 'null → 64 zero bytes of hex', form: ok(output) ? 'kept' : 'broken', value: output },
      { alteration: 'null → ""', form: ok('') ? 'kept' : 'broken', value: '' },
    ];
  }
  if (typeof value !== 'string') throw new Error(`${field} is neither a string, a number, a boolean nor null`);
  const found: { alteration: string; form: 'kept' | 'broken'; value: unknown }[] = [];
  // From the last character back: the least significant end of hex, base64 and times.
  for (let i = value.length - 1; i >= 0; i--) {
    const altered = flipped(value, i, 0);
    if (ok(altered)) {
      found.push({ alteration: `bit 0 of character ${i}: ${shown(value[i]!)} → ${shown(altered[i]!)}`, form: 'kept', value: altered });
      break;
    }
  }
  search: for (let i = value.length - 1; i >= 0; i--) {
    for (let bit = 0; bit < 7; bit++) {
      const altered = flipped(value, i, bit);
      if (!ok(altered)) {
        found.push({ alteration: `bit ${bit} of character ${i}: ${shown(value[i]!)} → ${shown(altered[i]!)}`, form: 'broken', value: altered });
        break search;
      }
    }
  }
  return found;
}

function entriesOf(item: Item, name: string, wellFormed: (json: unknown) => boolean): NegativeEntry[] {
  return Object.keys(item).flatMap((field) =>
    alterations(item, field, wellFormed).map(({ alteration, form, value }) => ({
      item: name,
      field,
      alteration,
      form,
      // round 1's previous must be null: a well-formed one there fails that check before the signature's.
      rejected_by: form === 'broken' ? 'shape' : field === 'previous' && item.previous === null ? 'previous' : (CAUGHT_BY[field] ?? 'shape'),
      value: { ...item, [field]: value },
    })),
  );
}

export function negativeVectors(answers: readonly Item[], pulses: readonly Item[]): NegativeEntry[] {
  return [
    ...answers.flatMap((answer, index) => entriesOf(answer, `answer ${index}`, (json) => answerShape(json).ok)),
    ...pulses.flatMap((pulse, index) => entriesOf(pulse, `pulse ${index}`, (json) => pulseShape(json).ok)),
  ];
}
