import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreSeedError, readCoreSeed } from './core-seed.js';

const root = join(import.meta.dirname, '..', '..');
const CORE = join(root, 'native/build/re4_dump');
const MANIFEST = join(root, 'native/build/manifest.json');

let dir: string;
/** The temp dir readCoreSeed makes its private copies in: this test's own, so other processes' keygens do not count. */
let privateParent: string;
const systemTmp = process.env.TMPDIR;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'r4-core-seed-test-'));
  privateParent = mkdtempSync(join(tmpdir(), 'r4-core-seed-tmp-'));
  process.env.TMPDIR = privateParent;
});
afterAll(() => {
  if (systemTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTmp;
  rmSync(dir, { recursive: true, force: true });
  rmSync(privateParent, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A program and a manifest that vouches for it, so the measurement passes and its behaviour is what is tested. */
function vouchedFor(name: string, script: string): { core: string; manifest: string } {
  const core = join(dir, name);
  writeFileSync(core, script, { mode: 0o755 });
  const manifest = join(dir, `${name}.manifest.json`);
  writeFileSync(manifest, JSON.stringify({ name: 're4_dump', version: 'stand-in', git: 'none', core_sha256: sha256(readFileSync(core)) }));
  return { core, manifest };
}

const keygenDirs = () => readdirSync(privateParent).filter((n) => n.startsWith('r4-keygen-')).sort();

describe('readCoreSeed', () => {
  test('the real core: exactly the bytes asked for, and its measured hash', async () => {
    const before = keygenDirs();
    const a = await readCoreSeed(CORE, MANIFEST, 64, 30_000);
    const b = await readCoreSeed(CORE, MANIFEST, 64, 30_000);
    expect(a.bytes).toHaveLength(64);
    expect(a.coreSha256).toBe(sha256(readFileSync(CORE)));
    expect(a.coreSha256).toBe((JSON.parse(readFileSync(MANIFEST, 'utf8')) as { core_sha256: string }).core_sha256);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
    // The private copy that ran is gone.
    expect(keygenDirs()).toEqual(before);
  });

  test('a core that is not the manifest\'s (one byte changed) is refused before it runs', async () => {
    const tampered = join(dir, 'tampered');
    copyFileSync(CORE, tampered);
    const bytes = readFileSync(tampered);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(tampered, bytes, { mode: 0o755 });
    await expect(readCoreSeed(tampered, MANIFEST, 64, 30_000)).rejects.toThrow(/has sha256 [0-9a-f]{64}, its manifest says [0-9a-f]{64}: refused/);
  });

  test('a missing core or manifest, or a manifest without a hash, is a clear error', async () => {
    await expect(readCoreSeed(join(dir, 'absent'), MANIFEST, 64, 5_000)).rejects.toThrow(/cannot be read: ENOENT/);
    await expect(readCoreSeed(CORE, join(dir, 'absent.json'), 64, 5_000)).rejects.toThrow(/manifest .* cannot be read: ENOENT/);
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    await expect(readCoreSeed(CORE, empty, 64, 5_000)).rejects.toThrow(/no core_sha256/);
    await expect(readCoreSeed(dir, MANIFEST, 64, 5_000)).rejects.toThrow(/not a regular file/);
  });

  test('a core that fails its self-test (stand-in: a script exiting 3) gives nothing', async () => {
    const failing = vouchedFor('selftest-fails', '#!/bin/sh\nprintf \'{"error":"selftest","detail":"KAT mismatch"}\\n\' >&2\nexit 3\n');
    await expect(readCoreSeed(failing.core, failing.manifest, 64, 10_000)).rejects.toThrow(/the core failed: exit 3 \(self-test failed\): \{"error":"selftest"/);
  });

  test('a core that writes bytes and then fails gives nothing, and its bytes appear in no message', async () => {
    const leaky = vouchedFor('writes-then-fails', '#!/bin/sh\nprintf "SECRETBYTESSECRETBYTES"\nexit 4\n');
    const error = await readCoreSeed(leaky.core, leaky.manifest, 22, 10_000).then(() => new Error('resolved'), (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CoreSeedError);
    expect(error.message).toMatch(/exit 4 \(health test failed\)/);
    expect(error.message).not.toContain('SECRET');
  });

  test('too few or too many bytes are refused, without quoting them', async () => {
    const short = vouchedFor('short', '#!/bin/sh\nprintf "SECRET"\n');
    await expect(readCoreSeed(short.core, short.manifest, 64, 10_000)).rejects.toThrow(/wrote 6 bytes, not 64: refused/);
    const long = vouchedFor('long', '#!/bin/sh\nhead -c 100000 /dev/zero\n');
    const error = await readCoreSeed(long.core, long.manifest, 64, 10_000).then(() => new Error('resolved'), (e: unknown) => e as Error);
    expect(error.message).toMatch(/more than the 64 bytes asked for: refused/);
  });

  test('a core that hangs is stopped at the timeout', async () => {
    const hang = vouchedFor('hangs', '#!/bin/sh\nexec sleep 30\n');
    const started = Date.now();
    await expect(readCoreSeed(hang.core, hang.manifest, 64, 500)).rejects.toThrow(/no 64 bytes within 500 ms: stopped/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a seed size that makes no sense is refused', async () => {
    for (const n of [0, -1, 1.5, 1 << 20]) await expect(readCoreSeed(CORE, MANIFEST, n, 5_000)).rejects.toThrow(/a seed is 1 to 4096 bytes/);
  });
});
