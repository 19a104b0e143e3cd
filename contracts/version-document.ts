// GET /version: what an entropy pod says about itself. The service writes it (service/routes/) and the
// operator attests on it (operator/attestation/); this file is the one definition both compile against —
// the wire type, its JSON schema (the OpenAPI document and Fastify's serializer use it) and the strict
// parser of the four fields attestation relies on.
//
// Null, never empty: a hash the service could not measure is `null` (and integrity is then `missing`);
// an empty string is malformed.
import { parseJsonObject } from './json-object.js';
import { isSha256 } from './sha256.js';

export const INTEGRITIES = ['verified', 'mismatch', 'missing'] as const;
export type Integrity = (typeof INTEGRITIES)[number];
export const SELFTESTS = ['pass', 'degraded', 'fail'] as const;
export type Selftest = (typeof SELFTESTS)[number];
export const MODES = ['sealed', 'fallback', 'blocked'] as const;
export type Mode = (typeof MODES)[number];
export const CORE_STATES = ['starting', 'running', 'down', 'stopped'] as const;
export type CoreState = (typeof CORE_STATES)[number];

/** The answer's `name`: the original r4 API's name, kept for its clients. */
export const SERVICE_NAME = 're4ctor-api';

export interface CoreErrorLine {
  error: string;
  test?: string;
  detail?: string;
  exit_code?: number;
}

export interface CoreExit {
  code: number | null;
  signal: string | null;
  reason: string;
  error: CoreErrorLine | null;
  at: string;
}

/**
 * One worker thread's core, when the service runs several (WORKERS > 1): each worker runs and attests its
 * own core, and the document's top-level fields are then the worst of them.
 */
export interface WorkerCoreReport {
  index: number;
  core_sha256: string | null;
  integrity: Integrity;
  selftest: Selftest;
  mode: Mode;
  core_state: CoreState;
  core_pid: number | null;
  core_restarts: number;
  /** false from the worker thread's death until its replacement reports (its mode is then blocked). */
  alive: boolean;
}

export interface VersionDocument {
  name: typeof SERVICE_NAME;
  version: string;
  api_git: string;
  core_git: string;
  core_version: string;
  core_sha256: string | null;
  expected_core_sha256: string | null;
  integrity: Integrity;
  integrity_detail: string;
  selftest: Selftest;
  selftest_detail: string;
  mode: Mode;
  mode_reason: string | null;
  mode_changes: number;
  strict_fips: boolean;
  /** R4_DEMO=1: short keys are accepted; such a pod is never attested. */
  demo: boolean;
  sealed_core: string;
  limits: {
    max_bytes_per_request: number;
    rate_limit: {
      requests_per_s_per_key: number;
      bytes_per_s_per_key: number;
      requests_per_s_per_ip: number;
      auth_failures_per_s_per_ip: number;
    };
  };
  uptime_s: number;
  core: {
    state: CoreState;
    pid: number | null;
    starts: number;
    restarts: number;
    next_attempt_in_ms: number | null;
    last_exit: CoreExit | null;
    reseeds: number | null;
    generate_calls: number | null;
    bytes: number | null;
    noise_samples: number | null;
    rdseed: boolean | null;
    rdseed_words: number | null;
    prediction_resistance: boolean | null;
  };
  /** With WORKERS > 1 only: every worker's core (`core` above is the core of the worker that answered). */
  workers?: WorkerCoreReport[];
}

const nullable = (type: string) => ({ type: [type, 'null'] });

/** The JSON schema of VersionDocument; `properties` must name every field of the type (the compiler checks). */
export const versionDocumentSchema: {
  type: 'object';
  required: readonly (keyof VersionDocument)[];
  properties: Record<keyof VersionDocument, object>;
} = {
  type: 'object',
  required: ['name', 'version', 'api_git', 'core_git', 'core_sha256', 'integrity', 'selftest', 'mode', 'strict_fips', 'demo', 'sealed_core', 'limits', 'uptime_s', 'core'],
  properties: {
    name: { type: 'string', const: SERVICE_NAME },
    version: { type: 'string' },
    api_git: { type: 'string' },
    core_git: { type: 'string' },
    core_version: { type: 'string' },
    core_sha256: { ...nullable('string'), description: 'SHA-256 of the core file, measured by this process at its last check; null when it could not be read' },
    expected_core_sha256: { ...nullable('string'), description: 'SHA-256 the core must have (the pinned hash, else the manifest\'s); null when neither could be read' },
    integrity: { type: 'string', enum: INTEGRITIES },
    integrity_detail: { type: 'string' },
    selftest: { type: 'string', enum: SELFTESTS },
    selftest_detail: { type: 'string' },
    mode: { type: 'string', enum: MODES },
    mode_reason: { ...nullable('string'), description: 'Why the mode is not sealed' },
    mode_changes: { type: 'integer' },
    strict_fips: { type: 'boolean', description: 'true: a core that cannot serve blocks the service; false: the OS generator stands in (mode fallback)' },
    demo: { type: 'boolean', description: 'Demo mode (R4_DEMO=1): keys shorter than 32 characters are accepted; the operator never attests such a pod' },
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
            auth_failures_per_s_per_ip: { type: 'integer', description: 'Requests with a missing or wrong key, counted apart' },
          },
        },
      },
    },
    uptime_s: { type: 'integer' },
    core: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: CORE_STATES },
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
    workers: {
      type: 'array',
      description: 'With WORKERS > 1: each worker thread\'s core; the top-level integrity, selftest, mode and core_sha256 are then the worst of them',
      items: {
        type: 'object',
        required: ['index', 'core_sha256', 'integrity', 'selftest', 'mode', 'core_state', 'core_pid', 'core_restarts', 'alive'],
        properties: {
          index: { type: 'integer' },
          core_sha256: nullable('string'),
          integrity: { type: 'string', enum: INTEGRITIES },
          selftest: { type: 'string', enum: SELFTESTS },
          mode: { type: 'string', enum: MODES },
          core_state: { type: 'string', enum: CORE_STATES },
          core_pid: nullable('integer'),
          core_restarts: { type: 'integer' },
          alive: { type: 'boolean' },
        },
      },
    },
  },
};

/** The fields attestation judges, parsed. */
export interface AttestationFields {
  /** null: the service could not measure its core. */
  coreSha256: string | null;
  integrity: Integrity;
  selftest: Selftest;
  mode: Mode;
  demo: boolean;
  /** With several workers: each worker's core hash (null: unmeasured). Absent in a one-worker document. */
  workerCoreSha256s?: (string | null)[];
}

export type ParsedVersion = { ok: true; fields: AttestationFields } | { ok: false; reason: string };

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/**
 * Parses the body of GET /version; the service may add fields, but these must be exact. `demo` may be
 * absent (a service from before demo mode had none); only `true` is demo mode.
 */
export function parseVersionDocument(body: string): ParsedVersion {
  const parsed = parseJsonObject(body, 'the /version answer');
  if (!parsed.ok) return parsed;
  const { core_sha256: coreSha256, integrity, selftest, mode, demo, workers } = parsed.object as Partial<Record<keyof VersionDocument, unknown>>;
  if (coreSha256 !== null && !isSha256(coreSha256)) return { ok: false, reason: 'core_sha256 is neither null nor a lowercase SHA-256 hex string' };
  if (!oneOf(integrity, INTEGRITIES)) return { ok: false, reason: `integrity is not one of ${INTEGRITIES.join(', ')}` };
  if (coreSha256 === null && integrity !== 'missing') return { ok: false, reason: `core_sha256 is null but integrity is ${integrity}, not missing` };
  if (!oneOf(selftest, SELFTESTS)) return { ok: false, reason: `selftest is not one of ${SELFTESTS.join(', ')}` };
  if (!oneOf(mode, MODES)) return { ok: false, reason: `mode is not one of ${MODES.join(', ')}` };
  if (demo !== undefined && typeof demo !== 'boolean') return { ok: false, reason: 'demo is neither true nor false' };
  const fields: AttestationFields = { coreSha256, integrity, selftest, mode, demo: demo === true };
  if (workers === undefined) return { ok: true, fields };
  const hashes = workerHashes(workers);
  return typeof hashes === 'string' ? { ok: false, reason: hashes } : { ok: true, fields: { ...fields, workerCoreSha256s: hashes } };
}

/** Every worker's core hash, or why `workers` is malformed: a non-empty array of objects, each with a hash or null. */
function workerHashes(workers: unknown): (string | null)[] | string {
  if (!Array.isArray(workers) || workers.length === 0) return 'workers is not a non-empty array';
  const hashes: (string | null)[] = [];
  for (const worker of workers as unknown[]) {
    const hash = typeof worker === 'object' && worker !== null ? (worker as { core_sha256?: unknown }).core_sha256 : undefined;
    if (hash !== null && !isSha256(hash)) return 'a worker\'s core_sha256 is neither null nor a lowercase SHA-256 hex string';
    hashes.push(hash);
  }
  return hashes;
}
