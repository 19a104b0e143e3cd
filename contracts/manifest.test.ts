import { parseManifest } from './manifest.js';

const SHA = 'd4f67b9f30e4ac97e4923d4cfcac0af4a884357e32412228ae9eb5270d7b4443';

describe('parseManifest', () => {
  it('reads the manifest the native build writes', () => {
    const text = `{"name":"re4_dump","version":"0.1.0","git":"abc123","core_sha256":"${SHA}"}\n`;
    expect(parseManifest(text)).toEqual({ ok: true, manifest: { coreSha256: SHA, git: 'abc123', version: '0.1.0' } });
  });

  it('tolerates missing git and version', () => {
    expect(parseManifest(`{"core_sha256":"${SHA}"}`)).toEqual({
      ok: true,
      manifest: { coreSha256: SHA, git: 'unknown', version: 'unknown' },
    });
  });

  it.each([
    ['not json', 'manifest is not JSON'],
    ['[]', 'manifest is not a JSON object'],
    ['null', 'manifest is not a JSON object'],
    ['{}', 'manifest has no core_sha256 of 64 lowercase hex digits'],
    [`{"core_sha256":"${SHA.toUpperCase()}"}`, 'manifest has no core_sha256 of 64 lowercase hex digits'],
    [`{"core_sha256":"${SHA.slice(1)}"}`, 'manifest has no core_sha256 of 64 lowercase hex digits'],
    ['{"core_sha256":42}', 'manifest has no core_sha256 of 64 lowercase hex digits'],
  ])('refuses %s', (text, reason) => {
    expect(parseManifest(text)).toEqual({ ok: false, reason });
  });
});
