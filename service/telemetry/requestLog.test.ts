import { loggableQuery, pathLength } from './requestLog.js';

describe('loggableQuery', () => {
  it('redacts the key and keeps the rest', () => {
    expect(loggableQuery({ n: '32', fmt: 'hex', key: 'secret' })).toEqual({ n: '32', fmt: 'hex', key: '[redacted]' });
  });

  it('redacts a repeated key', () => {
    expect(JSON.stringify(loggableQuery({ key: ['a-secret', 'b-secret'] }))).not.toContain('secret');
  });

  it('bounds names, values and their number', () => {
    const query = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${i}${'p'.repeat(100)}`, 'v'.repeat(1000)]));
    const logged = loggableQuery(query);
    expect(Object.keys(logged)).toHaveLength(10);
    for (const [name, value] of Object.entries(logged)) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(value.length).toBeLessThanOrEqual(64);
    }
  });

  it('copes with no query', () => {
    expect(loggableQuery(undefined)).toEqual({});
    expect(loggableQuery(null)).toEqual({});
  });
});

describe('pathLength', () => {
  it('drops the query string', () => {
    expect(pathLength('/random?n=1&key=secret')).toBe('/random'.length);
    expect(pathLength('/version')).toBe('/version'.length);
  });
});
