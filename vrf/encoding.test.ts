import fc from 'fast-check';
import { canonicalEncoding } from './encoding.js';

const field = fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 24 }));
const message = fc.record({ domain: fc.string({ maxLength: 12 }), fields: fc.array(field, { maxLength: 5 }) });
const same = (a: { domain: string; fields: [string, string][] }, b: typeof a) => JSON.stringify(a) === JSON.stringify(b);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('no two different messages encode alike (names, values, order, count and domain all count)', () => {
  fc.assert(
    fc.property(message, message, (a, b) => {
      fc.pre(!same(a, b));
      return hex(canonicalEncoding(a.domain, a.fields)) !== hex(canonicalEncoding(b.domain, b.fields));
    }),
    { numRuns: 2000 },
  );
});

test('boundaries cannot be moved: "ab"+"c" and "a"+"bc" differ, as do a field in the name or the value', () => {
  const cases: [string, [string, string][]][] = [
    ['d', [['ab', 'c']]],
    ['d', [['a', 'bc']]],
    ['d', [['a', ''], ['b', 'c']]],
    ['da', [['', 'bc']]],
    ['d', [['abc', '']]],
  ];
  const encodings = cases.map(([domain, fields]) => hex(canonicalEncoding(domain, fields)));
  expect(new Set(encodings).size).toBe(cases.length);
});

test('each part is its UTF-8 bytes after a 4-byte big-endian length', () => {
  expect(hex(canonicalEncoding('r4', [['n', 'é']]))).toBe('00000002' + '7234' + '00000001' + '6e' + '00000002' + 'c3a9');
});
