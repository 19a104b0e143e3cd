import { presentedKey } from './presentedKey.js';

const GOOD = 'a'.repeat(32);
const lookup = (key: string) => (key === GOOD ? 'id-of-good' : null);
const OFF = /query string are turned off.*ALLOW_QUERY_KEY=0.*x-api-key/;

describe('presentedKey', () => {
  it.each([
    ['the header', { 'x-api-key': GOOD }, {}, true, 'id-of-good'],
    ['the query', {}, { key: GOOD }, true, 'id-of-good'],
    ['the header over the query', { 'x-api-key': GOOD }, { key: 'wrong' }, true, 'id-of-good'],
    ['the header with query keys off', { 'x-api-key': GOOD }, {}, false, 'id-of-good'],
  ])('finds a key in force in %s', (_name, headers, query, allowQueryKey, keyId) => {
    expect(presentedKey(lookup, headers, query, allowQueryKey)).toEqual({ ok: true, keyId });
  });

  it.each([
    ['no key', {}, {}, true, /^invalid api key$/],
    ['a wrong header', { 'x-api-key': 'wrong' }, {}, true, /^invalid api key$/],
    ['a wrong query key', {}, { key: 'wrong' }, true, /^invalid api key$/],
    ['a repeated query key', {}, { key: [GOOD, GOOD] }, true, /^invalid api key$/],
    ['a good query key while query keys are off', {}, { key: GOOD }, false, OFF],
    ['a good header beside a query key while query keys are off', { 'x-api-key': GOOD }, { key: GOOD }, false, OFF],
    ['an empty query key while query keys are off', {}, { key: '' }, false, OFF],
  ])('refuses %s', (_name, headers, query, allowQueryKey, detail) => {
    const answer = presentedKey(lookup, headers, query, allowQueryKey);
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.detail).toMatch(detail);
      expect(answer.detail).not.toContain(GOOD);
    }
  });
});
