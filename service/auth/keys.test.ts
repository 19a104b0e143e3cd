import { createHash } from 'node:crypto';
import { keyIdFromMac, keyMac, keyRing, lookupKey, newKeyIdSecret, parseKeysFile } from './keys.js';

const ALPHA = 'alpha-0123456789abcdef0123456789ab';
const BETA = 'beta_0123456789abcdef0123456789abc';

describe('parseKeysFile', () => {
  it('reads one key per line, ignoring blanks, comments, CRLF and surrounding spaces', () => {
    expect(parseKeysFile(`${ALPHA}\n\n# old: retired\r\n  ${BETA}  \r\n${ALPHA}\n`, false)).toEqual({ keys: [ALPHA, BETA], problems: [] });
  });

  it('reports bad lines by number without quoting them', () => {
    const parsed = parseKeysFile(`${ALPHA}\nhas inner space but is long enough\nkey\u00e9${'x'.repeat(40)}\nshort-secret\n`, false);
    expect(parsed.keys).toEqual([ALPHA]);
    expect(parsed.problems).toEqual([
      'the key on line 2 may hold only letters, digits, _ and -',
      'the key on line 3 may hold only letters, digits, _ and -',
      'the key on line 4 is shorter than 32 characters (generate one with: openssl rand -hex 16; short keys only with R4_DEMO=1)',
    ]);
    expect(parsed.problems.join()).not.toMatch(/inner|short-secret/);
  });

  it('accepts short keys in demo mode only', () => {
    expect(parseKeysFile('demo\n', true)).toEqual({ keys: ['demo'], problems: [] });
    expect(parseKeysFile('demo\n', false).keys).toEqual([]);
  });

  it('accepts an empty file as no keys at all', () => {
    expect(parseKeysFile('', false)).toEqual({ keys: [], problems: [] });
  });
});

describe('keyRing and lookupKey', () => {
  const secret = newKeyIdSecret();
  const ring = keyRing([ALPHA, BETA], secret);

  it('finds keys in force and returns their id, not the key', () => {
    const id = lookupKey(ring, ALPHA);
    expect(id).toBe(keyIdFromMac(keyMac(secret, ALPHA)));
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(lookupKey(ring, BETA)).not.toBe(id);
  });

  it('refuses anything else', () => {
    for (const presented of ['', ALPHA.slice(1), `${ALPHA} `, ALPHA.toUpperCase(), ALPHA + ALPHA]) expect(lookupKey(ring, presented)).toBeNull();
  });

  it('hashes a known key once: found keys are remembered, wrong ones are not', () => {
    const fresh = keyRing([ALPHA], secret);
    expect(lookupKey(fresh, ALPHA)).toBe(lookupKey(fresh, ALPHA));
    expect(lookupKey(fresh, 'wrong')).toBeNull();
    expect([...fresh.known.keys()]).toEqual([ALPHA]);
    // Rotation builds a new ring, so a revoked key is not found through an old cache.
    expect(lookupKey(keyRing([BETA], secret), ALPHA)).toBeNull();
  });

  it('gives an id that is no prefix of the key\'s SHA-256, and another one under another process\'s secret', () => {
    // With a bare hash prefix, anyone reading the logs could test guesses of a weak key offline.
    const id = lookupKey(ring, ALPHA) as string;
    expect(createHash('sha256').update(ALPHA).digest('hex').startsWith(id)).toBe(false);
    expect(lookupKey(keyRing([ALPHA], newKeyIdSecret()), ALPHA)).not.toBe(id);
    // The same secret gives the same id, so ids stay stable across key rotations within one process.
    expect(lookupKey(keyRing([BETA, ALPHA], secret), ALPHA)).toBe(id);
  });
});
