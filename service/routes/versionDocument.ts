import { SERVICE_NAME, type VersionDocument } from '../../contracts/version-document.js';
import type { RateLimits } from '../config.js';
import type { AttestationSnapshot } from '../core/supervisor.js';

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

/** GET /version: what this replica is and what it is doing, for the operator's attestation and for people. */
export function versionDocument(snapshot: AttestationSnapshot, build: BuildInfo, limits: VersionLimits, posture: Posture, uptimeS: number): VersionDocument {
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
