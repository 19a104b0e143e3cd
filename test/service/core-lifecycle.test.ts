import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { alive, closeAgent, get, KEY, manifestFor, scratchDir, startTestService, TEST_HOOKS_CORE, version, waitUntil } from './harness.js';

const auth = { 'x-api-key': KEY };

afterAll(() => closeAgent());

describe('a core killed mid-run', () => {
  it('changes the mode at once, serves nothing from the dead core, and recovers after a fresh attestation (strict)', async () => {
    const t = await startTestService({ STRICT_FIPS: '1' });
    try {
      const before = await version(t.url);
      expect(before).toMatchObject({ mode: 'sealed', core: { state: 'running', restarts: 0 } });
      const pid = before.core.pid as number;
      expect((await get(`${t.url}/random?n=64`, auth)).status).toBe(200);

      process.kill(pid, 'SIGKILL');
      // Requests racing the death: each is either answered by the core while it lived, or refused.
      const racing = await Promise.all(Array.from({ length: 20 }, () => get(`${t.url}/random?n=64`, auth)));
      for (const answer of racing) expect([200, 503]).toContain(answer.status);

      const down = await waitUntil('the mode to change', () => version(t.url), (doc) => doc.mode !== 'sealed' || doc.core.pid !== pid);
      if (down.mode === 'blocked') {
        // Caught before the restart: no bytes while the core is down.
        const refused = await get(`${t.url}/random?n=64`, auth);
        expect(refused.status).toBe(503);
        expect(refused.headers['content-type']).toMatch(/^application\/json/);
      }
      const recovered = await waitUntil('the core to be restarted', () => version(t.url), (doc) => doc.mode === 'sealed' && doc.core.restarts === 1);
      expect(recovered.core.pid).not.toBe(pid);
      expect(recovered.core.last_exit).toMatchObject({ signal: 'SIGKILL', reason: 'killed by SIGKILL' });
      expect(recovered).toMatchObject({ integrity: 'verified', selftest: 'pass', mode_changes: 2 });
      expect(alive(pid)).toBe(false);

      const after = await get(`${t.url}/random?n=64`, auth);
      expect(after.status).toBe(200);
      expect(after.headers['x-r4-mode']).toBe('sealed');
      const metrics = (await get(`${t.url}/metrics`)).body.toString();
      expect(metrics).toMatch(/^r4_core_restarts_total 1$/m);
      expect(metrics).toMatch(/^r4_mode_changes_total\{from="sealed",to="blocked"\} 1$/m);
      expect(metrics).toMatch(/^r4_mode_changes_total\{from="blocked",to="sealed"\} 1$/m);
      const lines = t.logs.map((line) => JSON.parse(line) as { msg: string; from?: string; to?: string });
      expect(lines.filter((line) => line.msg === 'mode changed').map((line) => `${line.from}->${line.to}`)).toEqual(['sealed->blocked', 'blocked->sealed']);
    } finally {
      await t.stop();
    }
  });

  it('falls back to Node crypto while the core is down when STRICT_FIPS=0, then seals again', async () => {
    const t = await startTestService({ STRICT_FIPS: '0' });
    try {
      const pid = (await version(t.url)).core.pid as number;
      process.kill(pid, 'SIGKILL');
      const recovered = await waitUntil('recovery', () => version(t.url), (doc) => doc.mode === 'sealed' && doc.core.restarts === 1);
      expect(recovered.mode_changes).toBe(2);
      const lines = t.logs.map((line) => JSON.parse(line) as { msg: string; from?: string; to?: string });
      expect(lines.filter((line) => line.msg === 'mode changed').map((line) => `${line.from}->${line.to}`)).toEqual(['sealed->fallback', 'fallback->sealed']);
    } finally {
      await t.stop();
    }
  });
});

describe('a core that fails its continuous health test mid-stream', () => {
  it('is reported with the core\'s own reason and restarted with backoff', async () => {
    const scratch = scratchDir('health');
    const core = join(scratch.dir, 're4_dump');
    copyFileSync(TEST_HOOKS_CORE, core);
    // With prediction resistance every 64 KiB request samples 1,024 noise values: the noise source sticks
    // after the first MiB has been written, so each run of the core dies moments after it starts.
    const t = await startTestService({
      R4_CORE_PATH: core,
      R4_MANIFEST_PATH: manifestFor(core, scratch.dir),
      R4_TEST_FAULT: 'noise-stuck-after:20000',
      R4_PREDICTION_RESISTANCE: '1',
      STRICT_FIPS: '1',
    });
    try {
      const doc = await waitUntil('two failed runs', () => version(t.url), (d) => d.core.restarts >= 1 && d.core.last_exit !== null);
      expect(doc.core.last_exit?.code).toBe(4);
      expect(doc.core.last_exit?.error).toEqual({
        error: 'health_test_failure',
        test: 'repetition_count',
        detail: expect.stringMatching(/^noise source repeated one value/),
        exit_code: 4,
      });
      expect(doc.core.last_exit?.reason).toMatch(/^health_test_failure in repetition_count: noise source repeated one value 61 times/);
      const log = t.logs.map((line) => JSON.parse(line) as { msg: string; reason?: string }).find((line) => line.msg === 'entropy core exited');
      expect(log?.reason).toMatch(/^health_test_failure/);
      // Whatever the moment, an answer is either bytes the core wrote before failing, or a refusal.
      const answer = await get(`${t.url}/random?n=32`, auth);
      expect([200, 503]).toContain(answer.status);
    } finally {
      await t.stop();
      scratch.remove();
    }
  });
});

describe('a core that stops delivering (SIGSTOP)', () => {
  it('is judged stalled when a request waits in vain, killed and restarted', async () => {
    const t = await startTestService({ STRICT_FIPS: '1' });
    try {
      const pid = (await version(t.url)).core.pid as number;
      process.kill(pid, 'SIGSTOP');
      // Drain the pool (4 MiB) and the pipe; the next request must wait for a core that never writes.
      let stalled: { detail: string } | null = null;
      for (let i = 0; i < 12 && stalled === null; i++) {
        const answer = await get(`${t.url}/random?n=1000000`, auth);
        if (answer.status === 503) stalled = JSON.parse(answer.body.toString()) as { detail: string };
      }
      expect(stalled?.detail).toMatch(/delivered too few bytes within 2000 ms/);
      const recovered = await waitUntil('restart after the stall', () => version(t.url), (doc) => doc.mode === 'sealed' && doc.core.restarts === 1);
      expect(recovered.core.last_exit?.reason).toMatch(/^delivered too few bytes within 2000 ms \(killed by SIGKILL\)/);
      expect((await get(`${t.url}/random?n=8`, auth)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});

describe('a restart that cannot even seal the core', () => {
  it('is a failed attempt reported on /version, not a crash', async () => {
    const t = await startTestService({ STRICT_FIPS: '1' });
    try {
      const before = await version(t.url);
      rmSync(dirname(before.sealed_core as string), { recursive: true, force: true });
      process.kill(before.core.pid as number, 'SIGKILL');
      const doc = await waitUntil('the failed attempt', () => version(t.url), (d) => d.selftest_detail.startsWith('attestation could not run'));
      expect(doc).toMatchObject({ mode: 'blocked', core: { state: 'down' } });
      expect((await get(`${t.url}/health`)).status).toBe(200);
      expect((await get(`${t.url}/random?n=8`, auth)).status).toBe(503);
    } finally {
      await t.stop();
    }
  });
});
