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

/** GET /version: what this replica is and what it is doing, for the operator's attestation and for people. */
export function versionDocument(snapshot: AttestationSnapshot, build: BuildInfo, limits: VersionLimits, strictFips: boolean, uptimeS: number) {
  const { core } = snapshot;
  return {
    name: 're4ctor-api',
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
    strict_fips: strictFips,
    sealed_core: snapshot.sealedCore,
    limits: {
      max_bytes_per_request: limits.maxBytesPerRequest,
      rate_limit: {
        requests_per_s_per_key: limits.rateLimits.keyRequestsPerS,
        bytes_per_s_per_key: limits.rateLimits.keyBytesPerS,
        requests_per_s_per_ip: limits.rateLimits.ipRequestsPerS,
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

const nullable = (type: string) => ({ type: [type, 'null'] });

/** The response schema: documents /version in the OpenAPI document and fixes its shape on the wire. */
export const versionSchema = {
  type: 'object',
  required: ['name', 'version', 'api_git', 'core_git', 'core_sha256', 'integrity', 'selftest', 'mode', 'sealed_core', 'limits', 'uptime_s', 'core'],
  properties: {
    name: { type: 'string', const: 're4ctor-api' },
    version: { type: 'string' },
    api_git: { type: 'string' },
    core_git: { type: 'string' },
    core_version: { type: 'string' },
    core_sha256: { ...nullable('string'), description: 'SHA-256 of the core file, measured by this process at its last check' },
    expected_core_sha256: { ...nullable('string'), description: 'SHA-256 the manifest expects' },
    integrity: { type: 'string', enum: ['verified', 'mismatch', 'missing'] },
    integrity_detail: { type: 'string' },
    selftest: { type: 'string', enum: ['pass', 'degraded', 'fail'] },
    selftest_detail: { type: 'string' },
    mode: { type: 'string', enum: ['sealed', 'fallback', 'blocked'] },
    mode_reason: { ...nullable('string'), description: 'Why the mode is not sealed' },
    mode_changes: { type: 'integer' },
    strict_fips: { type: 'boolean' },
    sealed_core: { type: 'string', description: 'The private copy of the core that was hashed and is executed' },
    limits: {
      type: 'object',
      properties: {
        max_bytes_per_request: { type: 'integer' },
        rate_limit: {
          type: 'object',
          description: '0 means no limit',
          properties: {
            requests_per_s_per_key: { type: 'integer' },
            bytes_per_s_per_key: { type: 'integer' },
            requests_per_s_per_ip: { type: 'integer' },
          },
        },
      },
    },
    uptime_s: { type: 'integer' },
    core: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: ['starting', 'running', 'down', 'stopped'] },
        pid: nullable('integer'),
        starts: { type: 'integer' },
        restarts: { type: 'integer' },
        next_attempt_in_ms: nullable('integer'),
        last_exit: {
          type: ['object', 'null'],
          properties: {
            code: nullable('integer'),
            signal: nullable('string'),
            reason: { type: 'string' },
            error: {
              type: ['object', 'null'],
              description: "The core's own JSON error line",
              properties: { error: { type: 'string' }, test: { type: 'string' }, detail: { type: 'string' }, exit_code: { type: 'integer' } },
            },
            at: { type: 'string' },
          },
        },
        reseeds: nullable('integer'),
        generate_calls: nullable('integer'),
        bytes: nullable('integer'),
        noise_samples: nullable('integer'),
        rdseed: nullable('boolean'),
        rdseed_words: nullable('integer'),
        prediction_resistance: nullable('boolean'),
      },
    },
  },
} as const;
