import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrityVerdict, sealCore } from './integrity.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const manifest = (coreSha256: string) => ({ ok: true as const, manifest: { coreSha256, git: 'g1', version: '0.1.0' } });

describe('integrityVerdict', () => {
  it('verifies a matching hash', () => {
    expect(integrityVerdict({ ok: true, sha256: A }, manifest(A))).toMatchObject({
      integrity: 'verified',
      measuredSha256: A,
      expectedSha256: A,
      coreGit: 'g1',
      coreVersion: '0.1.0',
    });
  });

  it('reports a mismatch with both hashes', () => {
    const report = integrityVerdict({ ok: true, sha256: B }, manifest(A));
    expect(report.integrity).toBe('mismatch');
    expect(report.detail).toContain(A);
    expect(report.detail).toContain(B);
  });

  it('checks a pinned hash (R4_EXPECTED_CORE_SHA256) as well as the manifest', () => {
    expect(integrityVerdict({ ok: true, sha256: A }, manifest(A), A)).toMatchObject({ integrity: 'verified', expectedSha256: A });
    const pinnedElsewhere = integrityVerdict({ ok: true, sha256: A }, manifest(A), B);
    expect(pinnedElsewhere).toMatchObject({ integrity: 'mismatch', expectedSha256: B });
    expect(pinnedElsewhere.detail).toBe(`core sha256 ${A} differs from R4_EXPECTED_CORE_SHA256 ${B}`);
    expect(integrityVerdict({ ok: true, sha256: B }, manifest(A), B).integrity).toBe('mismatch');
  });

  it('reports a missing core as missing', () => {
    expect(integrityVerdict({ ok: false, reason: 'core gone' }, manifest(A))).toMatchObject({
      integrity: 'missing',
      measuredSha256: null,
      detail: 'core gone',
    });
  });

  it('reports a missing or malformed manifest as missing, never verified', () => {
    expect(integrityVerdict({ ok: true, sha256: A }, { ok: false, reason: 'no manifest' })).toMatchObject({
      integrity: 'missing',
      measuredSha256: A,
      expectedSha256: null,
      coreGit: 'unknown',
      detail: 'no manifest',
    });
  });
});

describe('sealCore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'r4-seal-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const sha = (content: string) => createHash('sha256').update(content).digest('hex');

  it('writes the hashed bytes to the sealed path, read-only and executable by the owner', () => {
    const core = write('core', '#!/bin/sh\necho hi\n');
    const mf = write('manifest.json', JSON.stringify({ core_sha256: sha('#!/bin/sh\necho hi\n') }));
    const result = sealCore(core, mf, join(dir, 'sealed'));
    expect(result.report.integrity).toBe('verified');
    expect(result.sealedPath).toBe(join(dir, 'sealed'));
    expect(readFileSync(join(dir, 'sealed'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dir, 'sealed')).mode & 0o777).toBe(0o500);
  });

  it('replaces an earlier sealed copy', () => {
    const mf = write('manifest.json', JSON.stringify({ core_sha256: sha('two') }));
    write('core', 'one');
    write('sealed', 'one');
    sealCore(write('core', 'two'), mf, join(dir, 'sealed'));
    expect(readFileSync(join(dir, 'sealed'), 'utf8')).toBe('two');
  });

  it('seals nothing on a mismatch', () => {
    const core = write('core', 'tampered');
    const mf = write('manifest.json', JSON.stringify({ core_sha256: sha('original') }));
    const result = sealCore(core, mf, join(dir, 'sealed'));
    expect(result).toMatchObject({ sealedPath: null, report: { integrity: 'mismatch', measuredSha256: sha('tampered') } });
  });

  it('calls an absent core, a directory and an absent manifest missing', () => {
    const mf = write('manifest.json', JSON.stringify({ core_sha256: sha('x') }));
    expect(sealCore(join(dir, 'nope'), mf, join(dir, 'sealed')).report).toMatchObject({
      integrity: 'missing',
      detail: expect.stringContaining('ENOENT'),
    });
    expect(sealCore(dir, mf, join(dir, 'sealed')).report.detail).toMatch(/not a regular file/);
    expect(sealCore(write('core', 'x'), join(dir, 'none.json'), join(dir, 'sealed')).report).toMatchObject({
      integrity: 'missing',
      detail: expect.stringMatching(/manifest .* cannot be read: ENOENT/),
    });
    expect(sealCore(write('core', 'x'), write('bad.json', '{'), join(dir, 'sealed')).report.detail).toMatch(/manifest is not JSON/);
  });
});
