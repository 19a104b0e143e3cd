import { INTEGRITIES, MODES, SELFTESTS, SERVICE_NAME, type VersionDocument, type WorkerCoreReport } from '../../contracts/version-document.js';
import type { RateLimits } from '../config.js';
import type { AttestationSnapshot } from '../core/supervisor.js';
import type { WorkerCore } from '../workers/fleetState.js';

export interface BuildInfo {
  version: string;
  apiGit: string;
}

export interface VersionLimits {
  maxBytesPerRequest: number;
  rateLimits: RateLimits;
}

/** What this replica was told to tolerate: the OS generator in place of a failed core, short keys. */
export interface Posture {
  strictFips: boolean;
  demo: boolean;
}

/**
 * GET /version: what this replica is and what it is doing, for the operator's attestation and for people.
 * With several workers (`workers`), each worker's core is listed and the top-level integrity, self-test, mode
 * and hash are the worst worker's, so an operator that reads only the top level still judges the pod right.
 */
export function versionDocument(
  snapshot: AttestationSnapshot,
  build: BuildInfo,
  limits: VersionLimits,
  posture: Posture,
  uptimeS: number,
  workers?: WorkerCore[],
): VersionDocument {
  const own = ownDocument(snapshot, build, limits, posture, uptimeS);
  return workers === undefined ? own : withWorkers(own, workers);
}

function ownDocument(snapshot: AttestationSnapshot, build: BuildInfo, limits: VersionLimits, posture: Posture, uptimeS: number): VersionDocument {
  const { core } = snapshot;
  return {
    name: SERVICE_NAME,
    version: build.version,
    api_git: build.apiGit,
    core_git: snapshot.integrity.coreGit,
    core_version: snapshot.integrity.coreVersion,
    core_sha256: snapshot.integrity.measuredSha256,
    expected_core_sha256: snapshot.integrity.expectedSha256,
    integrity: snapshot.integrity.integrity,
    integrity_detail: snapshot.integrity.detail,
    selftest: snapshot.selftest.selftest,
    selftest_detail: snapshot.selftest.detail,
    mode: snapshot.mode,
    mode_reason: snapshot.reason,
    mode_changes: snapshot.modeChanges,
    strict_fips: posture.strictFips,
    demo: posture.demo,
    sealed_core: snapshot.sealedCore,
    limits: {
      max_bytes_per_request: limits.maxBytesPerRequest,
      rate_limit: {
        requests_per_s_per_key: limits.rateLimits.keyRequestsPerS,
        bytes_per_s_per_key: limits.rateLimits.keyBytesPerS,
        requests_per_s_per_ip: limits.rateLimits.ipRequestsPerS,
        auth_failures_per_s_per_ip: limits.rateLimits.ipAuthFailuresPerS,
      },
    },
    uptime_s: Math.floor(uptimeS),
    core: {
      state: core.state,
      pid: core.pid,
      starts: core.starts,
      restarts: core.restarts,
      next_attempt_in_ms: core.nextAttemptInMs,
      last_exit: core.lastExit,
      reseeds: core.counters?.reseeds ?? null,
      generate_calls: core.counters?.generate_calls ?? null,
      bytes: core.counters?.bytes ?? null,
      noise_samples: core.counters?.noise_samples ?? null,
      rdseed: core.counters?.rdseed ?? null,
      rdseed_words: core.counters?.rdseed_words ?? null,
      prediction_resistance: core.counters?.prediction_resistance ?? null,
    },
  };
}

/** Worst first: integrity, then self-test, then mode; an index in each list is its rank (best first). */
function badness(core: { integrity: WorkerCore['integrity']; selftest: WorkerCore['selftest']; mode: WorkerCore['mode'] }): number[] {
  return [INTEGRITIES.indexOf(core.integrity), SELFTESTS.indexOf(core.selftest), MODES.indexOf(core.mode)];
}

function worse(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
  return false;
}

function withWorkers(own: VersionDocument, workers: WorkerCore[]): VersionDocument {
  const reports: WorkerCoreReport[] = workers.map((worker) => ({
    index: worker.index,
    core_sha256: worker.coreSha256,
    integrity: worker.integrity,
    selftest: worker.selftest,
    mode: worker.mode,
    core_state: worker.coreState,
    core_pid: worker.corePid,
    core_restarts: worker.coreRestarts,
    alive: worker.alive,
  }));
  let worst: WorkerCore | null = null;
  for (const worker of workers) if (worst === null || worse(badness(worker), badness(worst))) worst = worker;
  if (worst === null || !worse(badness(worst), badness(own))) return { ...own, workers: reports };
  const mode = MODES.indexOf(worst.mode) > MODES.indexOf(own.mode) ? worst.mode : own.mode;
  return {
    ...own,
    // The worst worker's hash: a stray core in any worker shows at the top level, where older operators look.
    core_sha256: worst.coreSha256 ?? (worst.integrity === 'missing' ? null : own.core_sha256),
    integrity: worst.integrity,
    integrity_detail: worst.integrity === own.integrity ? own.integrity_detail : `worker ${worst.index}: core integrity ${worst.integrity}`,
    selftest: worst.selftest,
    selftest_detail: worst.selftest === own.selftest ? own.selftest_detail : `worker ${worst.index}: self-test ${worst.selftest}`,
    mode,
    mode_reason: mode === own.mode ? own.mode_reason : `worker ${worst.index}'s core is ${worst.mode}`,
    workers: reports,
  };
}
