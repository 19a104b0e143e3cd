import { digestKey, keyIdFromDigest, keyRing, lookupKey, parseKeysFile } from './keys.js';

describe('parseKeysFile', () => {
  it('reads one key per line, ignoring blanks, comments, CRLF and surrounding spaces', () => {
    expect(parseKeysFile('alpha\n\n# old: retired\r\n  beta  \r\nalpha\n')).toEqual({ keys: ['alpha', 'beta'], problems: [] });
  });

  it('reports bad lines by number without quoting them', () => {
    const parsed = parseKeysFile('good\nhas inner space\nkey\u00e9\n');
    expect(parsed.keys).toEqual(['good']);
    expect(parsed.problems).toEqual([
      'line 2 is not a valid key (printable ASCII, no spaces, at most 512 characters)',
      'line 3 is not a valid key (printable ASCII, no spaces, at most 512 characters)',
    ]);
    expect(parsed.problems.join()).not.toContain('inner');
  });

  it('accepts an empty file as no keys at all', () => {
    expect(parseKeysFile('')).toEqual({ keys: [], problems: [] });
  });
});

describe('keyRing and lookupKey', () => {
  const ring = keyRing(['demo', 'second-key']);

  it('finds keys in force and returns their id, not the key', () => {
    const id = lookupKey(ring, 'demo');
    expect(id).toBe(keyIdFromDigest(digestKey('demo')));
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(lookupKey(ring, 'second-key')).not.toBe(id);
  });

  it('refuses anything else', () => {
    for (const presented of ['', 'dem', 'demo ', 'DEMO', 'demodemo']) expect(lookupKey(ring, presented)).toBeNull();
  });

  it('hashes a known key once: found keys are remembered, wrong ones are not', () => {
    const fresh = keyRing(['demo']);
    expect(lookupKey(fresh, 'demo')).toBe(lookupKey(fresh, 'demo'));
    expect(lookupKey(fresh, 'wrong')).toBeNull();
    expect([...fresh.known.keys()]).toEqual(['demo']);
    // Rotation builds a new ring, so a revoked key is not found through an old cache.
    expect(lookupKey(keyRing(['other']), 'demo')).toBeNull();
  });

  it('gives the documented id: sha256 prefix', () => {
    // sha256("demo") = 2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea
    expect(lookupKey(ring, 'demo')).toBe('2a97516c354b');
  });
});
