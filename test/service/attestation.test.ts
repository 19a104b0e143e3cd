import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeAgent,
  get,
  getJson,
  KEY,
  manifestFor,
  RELEASE_CORE,
  RELEASE_MANIFEST,
  scratchDir,
  sha256File,
  startTestService,
  tamperedCopy,
  version,
} from './harness.js';

const auth = { 'x-api-key': KEY };

afterAll(() => closeAgent());

describe('a tampered core (a copy with one byte changed)', () => {
  it('is reported as an integrity mismatch, blocks the service and serves no bytes', async () => {
    const scratch = scratchDir('tampered');
    const core = tamperedCopy(scratch.dir);
    // Even with the fallback allowed, a core that is not the one the manifest names is never worked around.
    const t = await startTestService({ R4_CORE_PATH: core, R4_MANIFEST_PATH: RELEASE_MANIFEST, STRICT_FIPS: '0' });
    try {
      const doc = await version(t.url);
      expect(doc).toMatchObject({
        integrity: 'mismatch',
        mode: 'blocked',
        core_sha256: sha256File(core),
        expected_core_sha256: sha256File(RELEASE_CORE),
        core: { state: 'down', pid: null },
      });
      expect(doc.core_sha256).not.toBe(doc.expected_core_sha256);
      expect(doc.mode_reason).toMatch(/^core integrity mismatch/);

      const random = await get(`${t.url}/random?n=32`, auth);
      expect(random.status).toBe(503);
      expect(random.headers['content-type']).toMatch(/^application\/json/);
      expect(random.headers['x-r4-mode']).toBe('blocked');
      expect(JSON.parse(random.body.toString())).toEqual({ detail: expect.stringMatching(/^entropy unavailable: core integrity mismatch/) });

      expect(await getJson(`${t.url}/ready`)).toMatchObject({ status: 503, json: { mode: 'blocked', detail: expect.stringMatching(/^not ready: core integrity mismatch/) } });
      expect((await get(`${t.url}/health`)).status).toBe(200);
      expect((await get(`${t.url}/metrics`)).body.toString()).toMatch(/^r4_mode\{mode="blocked"\} 1$/m);
    } finally {
      await t.stop();
      scratch.remove();
    }
  });
});

describe('a core that matches its manifest but not the hash the deployment pins (R4_EXPECTED_CORE_SHA256)', () => {
  it('is an integrity mismatch: blocked, 503, no bytes', async () => {
    const pinned = '0'.repeat(64);
    const t = await startTestService({ R4_CORE_PATH: RELEASE_CORE, R4_MANIFEST_PATH: RELEASE_MANIFEST, R4_EXPECTED_CORE_SHA256: pinned, STRICT_FIPS: '0' });
    try {
      expect(await version(t.url)).toMatchObject({ integrity: 'mismatch', mode: 'blocked', core_sha256: sha256File(RELEASE_CORE), expected_core_sha256: pinned });
      expect((await get(`${t.url}/random?n=32`, auth)).status).toBe(503);
    } finally {
      await t.stop();
    }
  });

  it('is verified when the pinned hash is the core\'s', async () => {
    const t = await startTestService({ R4_CORE_PATH: RELEASE_CORE, R4_MANIFEST_PATH: RELEASE_MANIFEST, R4_EXPECTED_CORE_SHA256: sha256File(RELEASE_CORE) });
    try {
      expect(await version(t.url)).toMatchObject({ integrity: 'verified', mode: 'sealed' });
    } finally {
      await t.stop();
    }
  });
});

describe('a missing core or manifest', () => {
  it('is reported as missing and blocks', async () => {
    const scratch = scratchDir('missing');
    const t = await startTestService({ R4_CORE_PATH: join(scratch.dir, 'absent'), R4_MANIFEST_PATH: RELEASE_MANIFEST });
    try {
      expect(await version(t.url)).toMatchObject({ integrity: 'missing', mode: 'blocked', core_sha256: null, integrity_detail: expect.stringContaining('ENOENT') });
      expect((await get(`${t.url}/random?n=1`, auth)).status).toBe(503);
    } finally {
      await t.stop();
    }
    const noManifest = await startTestService({ R4_MANIFEST_PATH: join(scratch.dir, 'absent.json') });
    try {
      expect(await version(noManifest.url)).toMatchObject({ integrity: 'missing', mode: 'blocked', expected_core_sha256: null });
    } finally {
      await noManifest.stop();
      scratch.remove();
    }
  });
});

describe('a stand-in core (a shell script whose manifest matches it) that hangs on --selftest', () => {
  // `exec` makes the process itself the sleeper, so killing it leaves nothing behind; the odd duration
  // identifies this test's processes.
  const SLEEP = '47.25';
  const standIn = (dir: string) => {
    const path = join(dir, 'hanging-core');
    writeFileSync(path, `#!/bin/sh\nexec sleep ${SLEEP}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const sleepers = () => {
    try {
      return execFileSync('pgrep', ['-f', `sleep ${SLEEP}`]).toString().trim().split('\n').filter(Boolean);
    } catch {
      return []; // pgrep exits 1 when nothing matches
    }
  };

  it('is degraded, and the service falls back to Node crypto, saying so on every answer', async () => {
    const scratch = scratchDir('hang');
    const core = standIn(scratch.dir);
    const t = await startTestService({ R4_CORE_PATH: core, R4_MANIFEST_PATH: manifestFor(core, scratch.dir), R4_SELFTEST_TIMEOUT_MS: '300', STRICT_FIPS: '0' });
    try {
      expect(await version(t.url)).toMatchObject({
        integrity: 'verified',
        selftest: 'degraded',
        selftest_detail: 'self-test gave no answer within 300 ms',
        mode: 'fallback',
        mode_reason: expect.stringContaining('STRICT_FIPS=0'),
      });
      const random = await get(`${t.url}/random?n=32&fmt=hex`, auth);
      expect(random.status).toBe(200);
      expect(random.headers['x-r4-mode']).toBe('fallback');
      expect(random.body.toString()).toMatch(/^[0-9a-f]{64}$/);
      expect(await getJson(`${t.url}/ready`)).toMatchObject({ status: 200, json: { mode: 'fallback' } });
      expect((await get(`${t.url}/metrics`)).body.toString()).toMatch(/^r4_random_bytes_served_total\{source="fallback"\} 32$/m);
    } finally {
      await t.stop();
      scratch.remove();
    }
    expect(sleepers()).toEqual([]);
  });

  it('blocks with STRICT_FIPS=1', async () => {
    const scratch = scratchDir('hang-strict');
    const core = standIn(scratch.dir);
    const t = await startTestService({ R4_CORE_PATH: core, R4_MANIFEST_PATH: manifestFor(core, scratch.dir), R4_SELFTEST_TIMEOUT_MS: '300', STRICT_FIPS: '1' });
    try {
      expect(await version(t.url)).toMatchObject({
        integrity: 'verified',
        selftest: 'degraded',
        mode: 'blocked',
        mode_reason: expect.stringContaining('STRICT_FIPS=1 forbids the fallback'),
      });
      const random = await get(`${t.url}/random?n=32`, auth);
      expect(random.status).toBe(503);
      expect(random.headers['x-r4-mode']).toBe('blocked');
      expect((await get(`${t.url}/ready`)).status).toBe(503);
    } finally {
      await t.stop();
      scratch.remove();
    }
    expect(sleepers()).toEqual([]);
  });
});

describe('a core whose known-answer self-test fails', () => {
  it('is reported as fail with the core\'s own reason', async () => {
    const scratch = scratchDir('kat');
    // The test build only fails when asked to (R4_TEST_FAULT); its manifest is written here.
    const core = join(scratch.dir, 're4_dump');
    execFileSync('cp', [join(RELEASE_CORE, '..', 'test-hooks', 're4_dump'), core]);
    const t = await startTestService({ R4_CORE_PATH: core, R4_MANIFEST_PATH: manifestFor(core, scratch.dir), R4_TEST_FAULT: 'kat-corrupt', STRICT_FIPS: '1' });
    try {
      expect(await version(t.url)).toMatchObject({
        integrity: 'verified',
        selftest: 'fail',
        selftest_detail: expect.stringMatching(/^self-test failed: selftest_failure/),
        mode: 'blocked',
      });
    } finally {
      await t.stop();
      scratch.remove();
    }
  });
});
