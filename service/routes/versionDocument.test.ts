import type { AttestationSnapshot } from '../core/supervisor.js';
import type { WorkerCore } from '../workers/fleetState.js';
import { versionDocument } from './versionDocument.js';

const SHA = 'd4f67b9f30e4ac97e4923d4cfcac0af4a884357e32412228ae9eb5270d7b4443';

const snapshot: AttestationSnapshot = {
  integrity: { integrity: 'verified', measuredSha256: SHA, expectedSha256: SHA, coreGit: 'abc', coreVersion: '0.1.0', detail: 'matches' },
  selftest: { selftest: 'pass', detail: '7 tests passed' },
  mode: 'sealed',
  reason: null,
  modeChanges: 0,
  sealedCore: '/tmp/r4-core-x/re4_dump',
  core: {
    state: 'running',
    pid: 42,
    starts: 1,
    restarts: 0,
    counters: { reseeds: 3, generate_calls: 48, bytes: 3145728, noise_samples: 4096, rdseed: true, rdseed_words: 16, prediction_resistance: false },
    lastExit: null,
    nextAttemptInMs: null,
  },
};

describe('versionDocument', () => {
  const doc = versionDocument(
    snapshot,
    { version: '0.1.0', apiGit: 'def' },
    { maxBytesPerRequest: 1_000_000, rateLimits: { keyRequestsPerS: 5, keyBytesPerS: 6, ipRequestsPerS: 7, ipAuthFailuresPerS: 8 } },
    { strictFips: true, demo: false },
    12.9,
  );

  it('carries the fields the operator attests on, as the issue names them', () => {
    expect(doc).toMatchObject({
      name: 're4ctor-api',
      version: '0.1.0',
      api_git: 'def',
      core_git: 'abc',
      core_sha256: SHA,
      integrity: 'verified',
      selftest: 'pass',
      mode: 'sealed',
      sealed_core: '/tmp/r4-core-x/re4_dump',
      limits: {
        max_bytes_per_request: 1_000_000,
        rate_limit: { requests_per_s_per_key: 5, bytes_per_s_per_key: 6, requests_per_s_per_ip: 7, auth_failures_per_s_per_ip: 8 },
      },
      uptime_s: 12,
      strict_fips: true,
      demo: false,
    });
  });

  it('includes the core counters', () => {
    expect(doc.core).toMatchObject({ state: 'running', pid: 42, restarts: 0, reseeds: 3, generate_calls: 48, noise_samples: 4096 });
  });

  it('reports unknown counters as null before the core has spoken', () => {
    const silent = versionDocument({ ...snapshot, core: { ...snapshot.core, counters: null } }, { version: 'v', apiGit: 'g' }, {
      maxBytesPerRequest: 1,
      rateLimits: { keyRequestsPerS: 0, keyBytesPerS: 0, ipRequestsPerS: 0, ipAuthFailuresPerS: 0 },
    }, { strictFips: false, demo: true }, 0);
    expect(silent.demo).toBe(true);
    expect(silent.core.reseeds).toBeNull();
  });

  describe('with several workers', () => {
    const worker = (index: number, over: Partial<WorkerCore> = {}): WorkerCore => ({
      index, coreSha256: SHA, integrity: 'verified', selftest: 'pass', mode: 'sealed', coreState: 'running', corePid: 100 + index, coreRestarts: 0, alive: true, ...over,
    });
    const build = { version: 'v', apiGit: 'g' };
    const limits = { maxBytesPerRequest: 1, rateLimits: { keyRequestsPerS: 0, keyBytesPerS: 0, ipRequestsPerS: 0, ipAuthFailuresPerS: 0 } };
    const of = (workers: WorkerCore[]) => versionDocument(snapshot, build, limits, { strictFips: true, demo: false }, 0, workers);

    it('lists every worker\'s core and keeps the top level when all are sound', () => {
      const doc = of([worker(0), worker(1)]);
      expect(doc.workers).toEqual([
        { index: 0, core_sha256: SHA, integrity: 'verified', selftest: 'pass', mode: 'sealed', core_state: 'running', core_pid: 100, core_restarts: 0, alive: true },
        { index: 1, core_sha256: SHA, integrity: 'verified', selftest: 'pass', mode: 'sealed', core_state: 'running', core_pid: 101, core_restarts: 0, alive: true },
      ]);
      expect(doc).toMatchObject({ core_sha256: SHA, integrity: 'verified', selftest: 'pass', mode: 'sealed', mode_reason: null });
    });

    it('reports the worst worker at the top level: its hash, integrity, self-test and mode', () => {
      const stray = 'f'.repeat(64);
      const doc = of([worker(0), worker(1, { coreSha256: stray, integrity: 'mismatch', selftest: 'fail', mode: 'blocked', coreState: 'down', corePid: null })]);
      expect(doc).toMatchObject({ core_sha256: stray, integrity: 'mismatch', selftest: 'fail', mode: 'blocked', mode_reason: "worker 1's core is blocked" });
    });

    it('a dead worker thread blocks the service', () => {
      const doc = of([worker(0), worker(1, { mode: 'blocked', coreState: 'down', corePid: null, alive: false })]);
      expect(doc).toMatchObject({ integrity: 'verified', mode: 'blocked', mode_reason: "worker 1's core is blocked" });
      expect(doc.workers?.[1]?.alive).toBe(false);
    });
  });
});
