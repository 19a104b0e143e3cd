import { parseVersionDocument } from './version-document.js';

const sha = 'a'.repeat(64);
const good = { name: 're4ctor-api', core_sha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed', extra: 1 };

describe('parseVersionDocument', () => {
  test('accepts the four attested fields and ignores the rest', () => {
    expect(parseVersionDocument(JSON.stringify(good))).toEqual({
      ok: true,
      fields: { coreSha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false },
    });
  });

  test('reads demo mode, and its absence (a service from before demo mode) as not demo', () => {
    const demo = (body: object) => {
      const parsed = parseVersionDocument(JSON.stringify(body));
      return parsed.ok ? parsed.fields.demo : parsed.reason;
    };
    expect(demo({ ...good, demo: true })).toBe(true);
    expect(demo({ ...good, demo: false })).toBe(false);
    expect(demo(good)).toBe(false);
    expect(demo({ ...good, demo: 'true' })).toBe('demo is neither true nor false');
  });

  test('accepts the null hash a service reports when it cannot read its core, with integrity missing', () => {
    expect(parseVersionDocument(JSON.stringify({ ...good, core_sha256: null, integrity: 'missing', mode: 'blocked' }))).toEqual({
      ok: true,
      fields: { coreSha256: null, integrity: 'missing', selftest: 'pass', mode: 'blocked', demo: false },
    });
  });

  test('reads every worker\'s core hash when the service runs several workers', () => {
    const workers = [{ index: 0, core_sha256: sha }, { index: 1, core_sha256: null }];
    expect(parseVersionDocument(JSON.stringify({ ...good, workers }))).toEqual({
      ok: true,
      fields: { coreSha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false, workerCoreSha256s: [sha, null] },
    });
  });

  test.each([
    ['not json', '{', 'not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['an empty hash (null is the contract)', JSON.stringify({ ...good, core_sha256: '', integrity: 'missing' }), 'core_sha256'],
    ['a null hash with integrity verified', JSON.stringify({ ...good, core_sha256: null }), 'null but integrity is verified'],
    ['uppercase hash', JSON.stringify({ ...good, core_sha256: 'A'.repeat(64) }), 'core_sha256'],
    ['short hash', JSON.stringify({ ...good, core_sha256: 'ab' }), 'core_sha256'],
    ['numeric hash', JSON.stringify({ ...good, core_sha256: 5 }), 'core_sha256'],
    ['a missing hash', JSON.stringify({ ...good, core_sha256: undefined }), 'core_sha256'],
    ['unknown integrity', JSON.stringify({ ...good, integrity: 'ok' }), 'integrity'],
    ['missing selftest', JSON.stringify({ ...good, selftest: undefined }), 'selftest'],
    ['unknown mode', JSON.stringify({ ...good, mode: 'SEALED' }), 'mode'],
    ['workers that is not an array', JSON.stringify({ ...good, workers: {} }), 'workers'],
    ['no workers', JSON.stringify({ ...good, workers: [] }), 'workers'],
    ['a worker without a hash', JSON.stringify({ ...good, workers: [{ index: 0 }] }), "worker's core_sha256"],
    ['a worker that is not an object', JSON.stringify({ ...good, workers: [sha] }), "worker's core_sha256"],
  ])('rejects %s', (_name, body, mentions) => {
    const parsed = parseVersionDocument(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(mentions);
  });
});
