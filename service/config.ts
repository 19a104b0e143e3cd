import { BlockList, isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { ServiceEnv, ServiceEnvName } from '../contracts/service-env.js';
import { SHA256_HEX } from '../contracts/sha256.js';
import { isRfc3339 } from '../contracts/vrf-keyset.js';
import { keyProblem } from './auth/keyPolicy.js';
import { MAX_SEALED_DIR_BYTES } from './core/privateDir.js';
import { DEFAULT_MEMORY_LIMIT_BYTES, memoryBudget, memoryDerivedLimits, type MemoryBudget, type MemoryDerivedLimits } from './memoryBudget.js';
import type { InFlightLimits } from './ratelimit/bytesInFlight.js';

/** Where the API keys come from: one key in the environment, or a file re-read when it changes. */
export type ApiKeySource = { kind: 'inline'; key: string } | { kind: 'file'; path: string };

/** Requests or bytes per second; 0 switches a limit off. */
export interface RateLimits {
  keyRequestsPerS: number;
  keyBytesPerS: number;
  ipRequestsPerS: number;
  /** Requests with a missing or wrong key (401) per second per client address, counted apart from the rest. */
  ipAuthFailuresPerS: number;
}

/** How long a connection may take over a request, or sit idle (milliseconds); serverLimits.ts applies them. */
export interface ServerTimeouts {
  /** From a request's first byte to the end of its headers. */
  headersMs: number;
  /** From a request's first byte to its end. */
  requestMs: number;
  /** No traffic either way, in the middle of a request or an answer. */
  idleMs: number;
  /** No request on a kept-alive connection after an answer. */
  keepAliveMs: number;
}

/** What keeps clients from exhausting the process; the defaults follow its memory limit (memoryBudget.ts). */
export interface ServingLimits {
  memory: MemoryBudget;
  bytesInFlight: InFlightLimits;
  maxConnections: number;
  timeouts: ServerTimeouts;
}

/** The PEM files HTTPS is served with (service/tls/); re-read when they change. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ServiceConfig {
  host: string;
  port: number;
  /** null: plain HTTP, which parseConfig allows on a loopback address only, unless ALLOW_PLAIN_HTTP=1. */
  tls: TlsFiles | null;
  apiKeys: ApiKeySource;
  /** ALLOW_QUERY_KEY: whether /random takes its key from `?key=` (the original r4 API) besides the header. */
  allowQueryKey: boolean;
  /** R4_DEMO=1: keys shorter than the minimum are accepted, and /version says `"demo": true`. */
  demo: boolean;
  strictFips: boolean;
  corePath: string;
  manifestPath: string;
  /** R4_EXPECTED_CORE_SHA256: a hash the core must also have (the operator sets the appliance's). */
  expectedCoreSha256: string | null;
  maxBytesPerRequest: number;
  rateLimits: RateLimits;
  serving: ServingLimits;
  selftestTimeoutMs: number;
  predictionResistance: boolean;
  sealedDir: string;
  logLevel: string;
  tracing: boolean;
  vrf: VrfSettings;
  /** Worker threads serving the port (WORKERS; service/workers/); 1: today's single thread. */
  workers: number;
}

/** /vrf and the beacon (docs/vrf.md). */
export interface VrfSettings {
  /** R4_VRF_KEYSET_FILE; null: no keys, so /vrf answers 503. */
  keysetFile: string | null;
  appliance: string;
  beaconPeriodSeconds: number;
  /** R4_VRF_BEACON_GENESIS in ms since the epoch; null: the first key's active_from. */
  beaconGenesisMs: number | null;
  /** Threads that prove and sign (VRF_WORKER_THREADS; default one per CPU the process may use). */
  workerThreads: number;
}

export type ConfigResult = { ok: true; config: ServiceConfig } | { ok: false; error: string };

/** A file the configuration names (API keys, TLS) that is unusable at start: a configuration error too (exit 2). */
export class ConfigFileError extends Error {}

/** What the environment cannot say: where the repository is, the temp dir and the cwd for relative paths. */
export interface ConfigContext {
  packageRoot: string;
  tmpDir: string;
  cwd: string;
  /** `process.constrainedMemory()`: the memory limit of the process's cgroup (0 or a huge value: none). */
  memoryLimitBytes?: number;
  /** The CPUs the process may use (workers/cpuBudget.ts), the default of WORKERS; absent: 1. */
  cpuBudget?: number;
}

/** The variables and their meaning: contracts/service-env.ts. */
export type Env = Readonly<ServiceEnv>;

/**
 * Defaults a single in-cluster caller doing real work will not reach (5,000 requests/s, 256 MiB/s per key),
 * while one misbehaving client cannot monopolise a replica.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  keyRequestsPerS: 5_000,
  // Derived from the memory limit (memoryBudget.ts): one second of it is the bytes in flight; this is the
  // figure for the default budget, as for a pod limited to 256 MiB.
  keyBytesPerS: memoryDerivedLimits(DEFAULT_MEMORY_LIMIT_BYTES).keyBytesPerS,
  ipRequestsPerS: 10_000,
  // Ten wrong keys a second is more than any misconfigured client needs to notice its mistake, and against
  // keys of 128 bits (keyPolicy.ts) guessing was hopeless already: the limit keeps 401s from flooding the
  // logs and the CPU, and never slows the clients whose keys are right.
  ipAuthFailuresPerS: 10,
};

export const DEFAULT_MAX_BYTES_PER_REQUEST = 1_000_000;
/** 16 MiB bounds the memory one request can pin (hex doubles it); raise it with care. */
export const MAX_BYTES_PER_REQUEST_CEILING = 16 * 1024 * 1024;
/**
 * Headers take a client well under a second even on a slow link: 10 s is generous, and a connection that
 * dribbles its headers (slow loris) is closed by then. A GET has no body, so its whole request is its headers.
 * An answer whose client sends or reads nothing for 30 s is given up. Kept-alive connections wait 72 s for the
 * next request (Fastify's default): longer than the 60 s after which common proxies and load balancers
 * drop an idle connection, so they close it first and never send on a connection the service is closing.
 */
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000, keepAliveMs: 72_000 };
const MAX_TIMEOUT_MS = 3_600_000;
/** The core's self-test takes a few milliseconds (tens under sanitizers); 5 s is generous on a loaded node. */
export const DEFAULT_SELFTEST_TIMEOUT_MS = 5_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses and validates the environment once; every problem is reported, in one message. */
export function parseConfig(env: Env, ctx: ConfigContext): ConfigResult {
  const problems: string[] = [];
  const int = (name: ServiceEnvName, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = parseDecimal(raw);
    if (value === null || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got ${quote(raw)})`);
      return fallback;
    }
    return value;
  };
  const flag = (name: ServiceEnvName, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    problems.push(`${name} must be 0 or 1 (got ${quote(raw)})`);
    return fallback;
  };
  const path = (name: ServiceEnvName, fallback: string): string => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    return isAbsolute(raw) ? raw : resolve(ctx.cwd, raw);
  };

  const demo = flag('R4_DEMO', false);
  const apiKeys = parseKeySource(env, demo, problems);
  const host = env.API_HOST === undefined || env.API_HOST === '' ? '0.0.0.0' : env.API_HOST;
  if (!isValidHost(host)) problems.push(`API_HOST must be an IP address or a host name (got ${quote(host)})`);
  const port = int('PORT', 8080, 0, 65535);
  const tls = parseTlsFiles(path, problems);
  // Keys and bytes in clear text may cross the host's own loopback only, unless someone says so on purpose.
  const plainHttpAllowed = flag('ALLOW_PLAIN_HTTP', false);
  if (tls === 'none' && !plainHttpAllowed && isValidHost(host) && !isLoopbackHost(host)) {
    problems.push(
      `plain HTTP is served on a loopback address only, and API_HOST is ${quote(host)}${env.API_HOST ? '' : ' (the default)'}: give TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS, or set ALLOW_PLAIN_HTTP=1 to serve plain HTTP there`,
    );
  }
  const maxBytesPerRequest = int('MAX_BYTES_PER_REQUEST', DEFAULT_MAX_BYTES_PER_REQUEST, 1, MAX_BYTES_PER_REQUEST_CEILING);
  const memoryLimit = int('MEMORY_LIMIT_BYTES', 0, 1, Number.MAX_SAFE_INTEGER);
  const memory = memoryBudget(ctx.memoryLimitBytes ?? 0, memoryLimit > 0 ? memoryLimit : null);
  const derived = memoryDerivedLimits(memory.bytes);
  const serving = parseServingLimits(env, int, memory, derived, maxBytesPerRequest, problems);
  const rateLimits: RateLimits = {
    keyRequestsPerS: int('RATE_LIMIT_RPS', DEFAULT_RATE_LIMITS.keyRequestsPerS, 0, Number.MAX_SAFE_INTEGER),
    keyBytesPerS: int('RATE_LIMIT_BYTES_PER_S', derived.keyBytesPerS, 0, Number.MAX_SAFE_INTEGER),
    ipRequestsPerS: int('RATE_LIMIT_IP_RPS', DEFAULT_RATE_LIMITS.ipRequestsPerS, 0, Number.MAX_SAFE_INTEGER),
    ipAuthFailuresPerS: int('RATE_LIMIT_IP_AUTH_FAILURES_PER_S', DEFAULT_RATE_LIMITS.ipAuthFailuresPerS, 0, Number.MAX_SAFE_INTEGER),
  };
  // A byte budget smaller than one allowed request would turn some valid requests into permanent 429s.
  if (rateLimits.keyBytesPerS !== 0 && rateLimits.keyBytesPerS < maxBytesPerRequest) {
    problems.push(
      `RATE_LIMIT_BYTES_PER_S (${rateLimits.keyBytesPerS}) must be 0 or at least MAX_BYTES_PER_REQUEST (${maxBytesPerRequest})`,
    );
  }
  const expectedCoreSha256 = env.R4_EXPECTED_CORE_SHA256 === undefined || env.R4_EXPECTED_CORE_SHA256 === '' ? null : env.R4_EXPECTED_CORE_SHA256;
  if (expectedCoreSha256 !== null && !SHA256_HEX.test(expectedCoreSha256)) {
    problems.push(`R4_EXPECTED_CORE_SHA256 must be 64 lowercase hex digits (got ${quote(expectedCoreSha256)})`);
  }
  const sealedDir = path('R4_SEALED_DIR', ctx.tmpDir);
  if (Buffer.byteLength(sealedDir) > MAX_SEALED_DIR_BYTES) {
    problems.push(
      `R4_SEALED_DIR (default: the temp dir) must be at most ${MAX_SEALED_DIR_BYTES} bytes long, for the core's output socket inside it (got ${Buffer.byteLength(sealedDir)}: ${quote(sealedDir)})`,
    );
  }
  const logLevel = env.LOG_LEVEL === undefined || env.LOG_LEVEL === '' ? 'info' : env.LOG_LEVEL;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${quote(logLevel)})`);

  const config: ServiceConfig = {
    host,
    port,
    tls: typeof tls === 'object' ? tls : null,
    apiKeys: apiKeys ?? { kind: 'inline', key: '' },
    allowQueryKey: flag('ALLOW_QUERY_KEY', true),
    demo,
    // Fail closed: serving from the OS generator instead of a failed core is for demos, and only when asked.
    strictFips: flag('STRICT_FIPS', true),
    corePath: path('R4_CORE_PATH', join(ctx.packageRoot, 'native', 'build', 're4_dump')),
    manifestPath: path('R4_MANIFEST_PATH', join(ctx.packageRoot, 'native', 'build', 'manifest.json')),
    expectedCoreSha256,
    maxBytesPerRequest,
    rateLimits,
    serving,
    selftestTimeoutMs: int('R4_SELFTEST_TIMEOUT_MS', DEFAULT_SELFTEST_TIMEOUT_MS, 100, 600_000),
    predictionResistance: flag('R4_PREDICTION_RESISTANCE', false),
    sealedDir,
    logLevel,
    tracing: Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
    vrf: parseVrfSettings(env, path, int, problems),
    workers: int('WORKERS', defaultWorkers(ctx.cpuBudget ?? 1, memory.bytes), 1, MAX_WORKERS),
  };
  return problems.length === 0 ? { ok: true, config } : { ok: false, error: `invalid configuration: ${problems.join('; ')}` };
}

type IntSetting = (name: ServiceEnvName, fallback: number, min: number, max: number) => number;

/** A beacon round lasts from a second to a day; the appliance's spec has the same bounds. */
const MAX_BEACON_PERIOD_S = 86_400;
const MAX_VRF_WORKER_THREADS = 64;
/** Each worker runs its own core and holds its own pool; 64 is more cores than a pod of this service gets. */
const MAX_WORKERS = 64;
/**
 * The memory one worker is proven to stay within under attack (test/service/starvation.test.ts: one thread in
 * a 256 MiB cgroup). Each worker has its own heap, byte pool, answer buffers and core process, while the cap
 * on answer bytes in flight is the process's: two workers in 256 MiB were killed for memory by the 16 MiB hex
 * storm of that test.
 */
const MEMORY_PER_WORKER_BYTES = 256 * 1024 * 1024;

/** One worker per CPU the process may use, as many as its memory budget holds, at least one. */
function defaultWorkers(cpuBudget: number, memoryBytes: number): number {
  return Math.max(1, Math.min(cpuBudget, Math.floor(memoryBytes / MEMORY_PER_WORKER_BYTES), MAX_WORKERS));
}
const APPLIANCE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)?$/;

function parseVrfSettings(env: Env, path: (name: ServiceEnvName, fallback: string) => string, int: IntSetting, problems: string[]): VrfSettings {
  const appliance = env.R4_APPLIANCE === undefined || env.R4_APPLIANCE === '' ? 'local' : env.R4_APPLIANCE;
  if (!APPLIANCE_NAME.test(appliance)) problems.push(`R4_APPLIANCE must be "namespace/name" of lowercase DNS names (got ${quote(appliance)})`);
  let beaconGenesisMs: number | null = null;
  const genesis = env.R4_VRF_BEACON_GENESIS;
  if (genesis !== undefined && genesis !== '') {
    beaconGenesisMs = isRfc3339(genesis) ? Date.parse(genesis) : null;
    if (beaconGenesisMs === null) problems.push(`R4_VRF_BEACON_GENESIS must be an RFC 3339 time such as 2026-01-01T00:00:00Z (got ${quote(genesis)})`);
  }
  return {
    keysetFile: env.R4_VRF_KEYSET_FILE ? path('R4_VRF_KEYSET_FILE', '') : null,
    appliance,
    beaconPeriodSeconds: int('R4_VRF_BEACON_PERIOD_S', 30, 1, MAX_BEACON_PERIOD_S),
    beaconGenesisMs,
    workerThreads: int('VRF_WORKER_THREADS', availableParallelism(), 1, MAX_VRF_WORKER_THREADS),
  };
}

/** Timeouts, connections and bytes in flight; a derived default that cannot work names the memory it came from. */
function parseServingLimits(
  env: Env,
  int: IntSetting,
  memory: MemoryBudget,
  derived: MemoryDerivedLimits,
  maxBytesPerRequest: number,
  problems: string[],
): ServingLimits {
  const timeouts: ServerTimeouts = {
    headersMs: int('HEADERS_TIMEOUT_MS', DEFAULT_SERVER_TIMEOUTS.headersMs, 100, MAX_TIMEOUT_MS),
    requestMs: int('REQUEST_TIMEOUT_MS', DEFAULT_SERVER_TIMEOUTS.requestMs, 100, MAX_TIMEOUT_MS),
    idleMs: int('IDLE_TIMEOUT_MS', DEFAULT_SERVER_TIMEOUTS.idleMs, 100, MAX_TIMEOUT_MS),
    keepAliveMs: int('KEEP_ALIVE_TIMEOUT_MS', DEFAULT_SERVER_TIMEOUTS.keepAliveMs, 100, MAX_TIMEOUT_MS),
  };
  // Node refuses a headers timeout longer than the request's, which includes the headers.
  if (timeouts.headersMs > timeouts.requestMs) {
    problems.push(`HEADERS_TIMEOUT_MS (${timeouts.headersMs}) must be at most REQUEST_TIMEOUT_MS (${timeouts.requestMs})`);
  }
  const from = memory.source === 'default' ? `the default memory budget of ${memory.bytes} bytes` : `the memory limit of ${memory.bytes} bytes (${memory.source})`;
  // The largest answer is hex of the largest request; a cap below it would refuse that answer forever.
  const largestAnswer = 2 * maxBytesPerRequest;
  const totalBytes = int('MAX_BYTES_IN_FLIGHT', derived.bytesInFlight, 0, Number.MAX_SAFE_INTEGER);
  // A key's share is at least that answer (within the total), so raising MAX_BYTES_PER_REQUEST raises it too.
  const keyShare = Math.min(totalBytes, Math.max(derived.bytesInFlightPerKey, largestAnswer));
  const bytesInFlight: InFlightLimits = { totalBytes, perKeyBytes: int('MAX_BYTES_IN_FLIGHT_PER_KEY', keyShare, 0, Number.MAX_SAFE_INTEGER) };
  for (const [name, value] of [['MAX_BYTES_IN_FLIGHT', totalBytes], ['MAX_BYTES_IN_FLIGHT_PER_KEY', bytesInFlight.perKeyBytes]] as const) {
    if (value >= largestAnswer) continue;
    problems.push(
      `${name} (${value}${env[name] || env.MAX_BYTES_IN_FLIGHT ? '' : `, derived from ${from}`}) must be at least twice MAX_BYTES_PER_REQUEST (${largestAnswer}: the hex answer to the largest request)`,
    );
  }
  const maxConnections = int('MAX_CONNECTIONS', derived.maxConnections, 0, 1_000_000);
  if (maxConnections < 1) problems.push(`MAX_CONNECTIONS must be at least 1 (got 0${env.MAX_CONNECTIONS ? '' : `, derived from ${from}`})`);
  return { memory, bytesInFlight, maxConnections, timeouts };
}

function parseKeySource(env: Env, demo: boolean, problems: string[]): ApiKeySource | null {
  const key = env.API_KEY;
  const file = env.API_KEYS_FILE;
  const hasKey = key !== undefined && key !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasKey && hasFile) {
    problems.push('set only one of API_KEY and API_KEYS_FILE');
    return null;
  }
  if (hasFile) return { kind: 'file', path: file };
  if (hasKey) {
    const problem = keyProblem(key, demo);
    if (problem !== null) {
      problems.push(`API_KEY ${problem}`);
      return null;
    }
    return { kind: 'inline', key };
  }
  problems.push('set API_KEY (one key) or API_KEYS_FILE (a file of keys, one per line)');
  return null;
}

/** Both files or neither; 'none' when neither is set, 'invalid' when only one is (a problem is recorded). */
function parseTlsFiles(path: (name: ServiceEnvName, fallback: string) => string, problems: string[]): TlsFiles | 'none' | 'invalid' {
  const certFile = path('TLS_CERT_FILE', '');
  const keyFile = path('TLS_KEY_FILE', '');
  if (certFile !== '' && keyFile !== '') return { certFile, keyFile };
  if (certFile === '' && keyFile === '') return 'none';
  problems.push(`set both TLS_CERT_FILE and TLS_KEY_FILE, or neither (only ${certFile === '' ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'} is set)`);
  return 'invalid';
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (also written out or IPv4-mapped) and `localhost`: addresses no other host can reach. */
function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/** Plain decimal digits only: "1e3", "0x10", " 5" and "5.0" are configuration mistakes, not numbers. */
export function parseDecimal(raw: string): number | null {
  if (!/^[0-9]{1,16}$/.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

function isValidHost(host: string): boolean {
  return isIP(host) !== 0 || /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(host);
}

/** Quotes a configuration value for an error message, bounded so a pasted secret or blob stays readable. */
function quote(raw: string): string {
  return JSON.stringify(raw.length > 64 ? `${raw.slice(0, 64)}…` : raw);
}
