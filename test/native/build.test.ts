// Properties of the release binary itself: its identity must be reproducible, self-contained and free
// of test-only code.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builds, nativeDir } from './core-binary.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the release core binary', () => {
  test('two clean builds in different directories give the same SHA-256', () => {
    const dirs = [0, 1].map(() => mkdtempSync(path.join(tmpdir(), 'r4-repro-')));
    try {
      const hashes = dirs.map((dir) => {
        const copy = path.join(dir, 'native');
        cpSync(nativeDir, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}build`) });
        execFileSync('make', ['-s', '-C', copy, 'build/re4_dump'], { stdio: 'pipe' });
        return sha256(path.join(copy, 'build/re4_dump'));
      });
      expect(hashes[0]).toBe(hashes[1]);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

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
