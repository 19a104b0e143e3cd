import fc from 'fast-check';
import { parseRandomQuery } from './randomQuery.js';

const MAX = 1_000_000;

describe('parseRandomQuery', () => {
  it.each([
    [{ n: '32' }, { n: 32, fmt: 'raw' }],
    [{ n: '1', fmt: 'raw' }, { n: 1, fmt: 'raw' }],
    [{ n: '1000000', fmt: 'hex' }, { n: 1_000_000, fmt: 'hex' }],
    [{ n: '0032', fmt: 'base64', key: 'demo' }, { n: 32, fmt: 'base64' }],
  ])('accepts %j', (query, expected) => {
    expect(parseRandomQuery(query, MAX)).toEqual({ ok: true, query: expected });
  });

  it.each([
    [{}, 'n is required: an integer from 1 to 1000000'],
    [{ n: '' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '0' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '1000001' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '99999999999' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '-1' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '1e3' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '0x20' }, 'n must be an integer from 1 to 1000000'],
    [{ n: ' 32' }, 'n must be an integer from 1 to 1000000'],
    [{ n: '32.0' }, 'n must be an integer from 1 to 1000000'],
    [{ n: ['1', '2'] }, 'n must be given once'],
    [{ n: '32', fmt: 'HEX' }, 'fmt must be one of raw, hex, base64'],
    [{ n: '32', fmt: '' }, 'fmt must be one of raw, hex, base64'],
    [{ n: '32', fmt: ['hex', 'raw'] }, 'fmt must be given once'],
    [{ n: '32', size: '1' }, 'unknown query parameter "size" (allowed: n, fmt, key)'],
  ])('refuses %j', (query, detail) => {
    expect(parseRandomQuery(query, MAX)).toEqual({ ok: false, detail });
  });

  it('names every problem at once', () => {
    expect(parseRandomQuery({ a: '1', b: '2', fmt: 'x' }, MAX)).toEqual({
      ok: false,
      detail: 'unknown query parameters "a", "b" (allowed: n, fmt, key); n is required: an integer from 1 to 1000000; fmt must be one of raw, hex, base64',
    });
  });

  it('bounds the echo of hostile parameter names', () => {
    const query = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${'x'.repeat(1000)}${i}`, '1']));
    const result = parseRandomQuery({ ...query, n: '1' }, MAX);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.detail.length).toBeLessThan(400);
      expect(result.detail).toContain('and 45 more');
    }
  });

  it('honours the configured maximum', () => {
    expect(parseRandomQuery({ n: '65' }, 64)).toEqual({ ok: false, detail: 'n must be an integer from 1 to 64' });
  });

  it('accepts exactly the decimal integers in range, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer({ min: -10, max: 2 * MAX }).map(String)), (n) => {
        const result = parseRandomQuery({ n }, MAX);
        const expected = /^[0-9]+$/.test(n) && Number(n) >= 1 && Number(n) <= MAX;
        expect(result.ok).toBe(expected);
        if (result.ok) expect(result.query.n).toBe(Number(n));
      }),
    );
  });
});
