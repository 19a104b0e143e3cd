import { parseReleaseArgs, parseVerifyArgs } from '../../scripts/release/options.js';

describe('parseReleaseArgs', () => {
  test.each([
    [[], { ok: true, options: { unsigned: false, allowDirty: false, out: 'release' } }],
    [['--unsigned', '--out', '/tmp/r'], { ok: true, options: { unsigned: true, allowDirty: false, out: '/tmp/r' } }],
    [['--allow-dirty'], { ok: true, options: { unsigned: false, allowDirty: true, out: 'release' } }],
  ])('%j', (args, expected) => expect(parseReleaseArgs(args)).toEqual(expected));

  test.each([[['--out']], [['--sign']], [['extra']]])('%j is refused with the usage', (args) => {
    const parsed = parseReleaseArgs(args);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain('usage: npm run release');
  });
});

describe('parseVerifyArgs', () => {
  test.each([
    [['release/0.1.0', '--key', 'k.asc'], { ok: true, options: { dir: 'release/0.1.0', key: 'k.asc', unsigned: false } }],
    [['--unsigned', 'r'], { ok: true, options: { dir: 'r', key: undefined, unsigned: true } }],
  ])('%j', (args, expected) => expect(parseVerifyArgs(args)).toEqual(expected));

  test.each([
    [['release/0.1.0'], 'no key'],
    [['--key', 'k.asc'], 'which release?'],
    [['a', 'b', '--key', 'k'], 'unknown argument'],
    [['a', '--key'], '--key needs'],
  ])('%j is refused: %s', (args, message) => {
    const parsed = parseVerifyArgs(args);
    expect(!parsed.ok && parsed.message).toContain(message);
  });
});
