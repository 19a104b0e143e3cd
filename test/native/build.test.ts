// Properties of the release binary itself: its identity must be reproducible, self-contained and free
// of test-only code.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builds, nativeDir } from './core-binary.js';

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sha256 = (file: string) => sha256Of(readFileSync(file));

describe('the release core binary', () => {
  // One commit, one core hash: the revision is the manifest's, never the binary's, so two commits with the
  // same sources give the same core. Revisions that appear nowhere else, so finding one in the bytes means it
  // was compiled in.
  test('two clean builds in different directories, of different revisions, give the same SHA-256; only the manifests differ', () => {
    const revisions = ['c0ffee5eed01', 'deadbeefcafe'];
    const dirs = revisions.map(() => mkdtempSync(path.join(tmpdir(), 'r4-repro-')));
    try {
      const built = dirs.map((dir, i) => {
        const copy = path.join(dir, 'native');
        cpSync(nativeDir, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}build`) });
        execFileSync('make', ['-s', '-C', copy, `GIT_REV=${revisions[i]}`, 'build/re4_dump', 'build/manifest.json'], { stdio: 'pipe' });
        const binary = readFileSync(path.join(copy, 'build/re4_dump'));
        const manifest = JSON.parse(readFileSync(path.join(copy, 'build/manifest.json'), 'utf8')) as { git: string; core_sha256: string };
        return { binary, manifest };
      });
      const [first, second] = built as [(typeof built)[0], (typeof built)[0]];
      expect(sha256Of(first.binary)).toBe(sha256Of(second.binary));
      for (const [i, { binary, manifest }] of built.entries()) {
        for (const revision of revisions) expect(binary.includes(revision)).toBe(false);
        expect(manifest).toMatchObject({ git: revisions[i], core_sha256: sha256Of(binary) });
      }
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('the core does not carry the revision it was built from', () => {
    const { git } = JSON.parse(readFileSync(path.join(nativeDir, 'build/manifest.json'), 'utf8')) as { git: string };
    expect(git).toMatch(/^[0-9a-f]{12}$/);
    for (const binary of [builds.release, builds.testHooks]) expect(readFileSync(binary).includes(git)).toBe(false);
  });

  test('the manifest records the hash of the built binary', () => {
    const manifest = JSON.parse(readFileSync(path.join(nativeDir, 'build/manifest.json'), 'utf8'));
    expect(manifest.core_sha256).toBe(sha256(builds.release));
  });

  test('libcrypto is linked in, not loaded from the host', () => {
    const deps = execFileSync('ldd', [builds.release], { encoding: 'utf8' });
    expect(deps).not.toMatch(/libcrypto|libssl/);
  });

  test('the release binary carries no test hooks', () => {
    const binary = readFileSync(builds.release);
    expect(binary.includes('R4_TEST_FAULT')).toBe(false);
    expect(readFileSync(builds.testHooks).includes('R4_TEST_FAULT')).toBe(true);
  });

  test('the release binary exports no symbols (libcrypto stays hidden inside it)', () => {
    const dynamic = execFileSync('nm', ['-D', '--defined-only', builds.release], { encoding: 'utf8' });
    expect(dynamic).not.toMatch(/\b(EVP_|OPENSSL_|OSSL_|RAND_)/);
  });
});
