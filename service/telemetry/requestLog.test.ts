import { loggedParameterNames, pathLength } from './requestLog.js';

describe('loggedParameterNames', () => {
  it('names the parameters and never a value', () => {
    const query = { n: '32', fmt: 'hex', key: 'secret-key-value', nn: 'pasted-key-value' };
    expect(loggedParameterNames(query)).toEqual(['n', 'fmt', 'key', 'nn']);
    expect(JSON.stringify(loggedParameterNames(query))).not.toMatch(/secret|pasted|32|hex"/);
  });

  it('names a repeated parameter once, without its values', () => {
    expect(loggedParameterNames({ key: ['a-secret', 'b-secret'] })).toEqual(['key']);
  });

  it('bounds names and their number', () => {
    const query = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${i}${'p'.repeat(100)}`, 'v'.repeat(1000)]));
    const logged = loggedParameterNames(query);
    expect(logged).toHaveLength(10);
    for (const name of logged) expect(name.length).toBeLessThanOrEqual(64);
  });

  it('copes with no query', () => {
    expect(loggedParameterNames(undefined)).toEqual([]);
    expect(loggedParameterNames(null)).toEqual([]);
  });
});

describe('pathLength', () => {
  it('drops the query string', () => {
    expect(pathLength('/random?n=1&key=secret')).toBe('/random'.length);
    expect(pathLength('/version')).toBe('/version'.length);
  });
});
