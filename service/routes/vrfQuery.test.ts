import { parseKeyOnlyQuery, parseRound, parseVrfQuery } from './vrfQuery.js';

test.each([
  [{ alpha: '00' }, '00'],
  [{ alpha: 'ABcd' }, 'abcd'],
  [{ alpha: 'ff'.repeat(1024), key: 'k' }, 'ff'.repeat(1024)],
])('alpha %j is taken, in lowercase', (query, alpha) => {
  expect(parseVrfQuery(query)).toEqual({ ok: true, value: alpha });
});

test.each([
  [{}, 'alpha is required'],
  [{ alpha: '' }, '1 to 1024 bytes'],
  [{ alpha: 'abc' }, 'even number'],
  [{ alpha: 'zz' }, 'must be hex'],
  [{ alpha: '0x00' }, 'must be hex'],
  [{ alpha: 'ff'.repeat(1025) }, 'got 1025'],
  [{ alpha: ['00', '01'] }, 'given once'],
  [{ alpha: '00', n: '1' }, 'unknown query parameter "n"'],
])('alpha query %j is refused: %s', (query, detail) => {
  const parsed = parseVrfQuery(query);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) expect(parsed.detail).toContain(detail);
});

test.each([
  ['1', 1],
  ['42', 42],
  ['0', 0],
  ['99999999999999999999', Number.MAX_SAFE_INTEGER],
])('round %s is %d', (text, round) => {
  expect(parseRound(text)).toEqual({ ok: true, value: round });
});

test.each(['abc', '-1', '1.5', '01', '+1', ' 1', '1e3', ''])('round %j is not a decimal integer', (text) => {
  expect(parseRound(text).ok).toBe(false);
});

test('routes without a query of their own take only the key', () => {
  expect(parseKeyOnlyQuery({ key: 'k' }).ok).toBe(true);
  expect(parseKeyOnlyQuery({ round: '1' }).ok).toBe(false);
});
