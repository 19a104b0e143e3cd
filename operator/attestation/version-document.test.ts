import { parseVersionDocument } from './version-document.js';

const sha = 'a'.repeat(64);
const good = { name: 're4ctor-api', core_sha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed', extra: 1 };

describe('parseVersionDocument', () => {
  test('accepts the four attested fields and ignores the rest', () => {
    expect(parseVersionDocument(JSON.stringify(good))).toEqual({
      ok: true,
      document: { coreSha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed' },
    });
  });

  test('accepts the empty hash a service reports when its core is missing', () => {
    const parsed = parseVersionDocument(JSON.stringify({ ...good, core_sha256: '', integrity: 'missing' }));
    expect(parsed.ok).toBe(true);
  });

  test.each([
    ['not json', '{', 'not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['uppercase hash', JSON.stringify({ ...good, core_sha256: 'A'.repeat(64) }), 'core_sha256'],
    ['short hash', JSON.stringify({ ...good, core_sha256: 'ab' }), 'core_sha256'],
    ['numeric hash', JSON.stringify({ ...good, core_sha256: 5 }), 'core_sha256'],
    ['unknown integrity', JSON.stringify({ ...good, integrity: 'ok' }), 'integrity'],
    ['missing selftest', JSON.stringify({ ...good, selftest: undefined }), 'selftest'],
    ['unknown mode', JSON.stringify({ ...good, mode: 'SEALED' }), 'mode'],
  ])('rejects %s', (_name, body, mentions) => {
    const parsed = parseVersionDocument(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(mentions);
  });
});
