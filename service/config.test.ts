import { availableParallelism } from 'node:os';
import { DEFAULT_RATE_LIMITS, DEFAULT_SERVER_TIMEOUTS, parseConfig, parseDecimal, type Env } from './config.js';

const MIB = 1024 * 1024;

const ctx = { packageRoot: '/repo', tmpDir: '/tmp', cwd: '/srv/app' };
/** A key of the minimum length (32 characters). */
const KEY = '0123456789abcdef0123456789abcdef';
const parse = (env: Env) => parseConfig(env, ctx);

function ok(env: Env) {
  const result = parse(env);
  if (!result.ok) throw new Error(`expected a valid configuration, got: ${result.error}`);
  return result.config;
}

function error(env: Env): string {
  const result = parse(env);
  if (result.ok) throw new Error('expected a configuration error');
  return result.error;
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = ok({ API_KEY: KEY, ALLOW_PLAIN_HTTP: '1' });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 8080,
      tls: null,
      apiKeys: { kind: 'inline', key: KEY },
      allowQueryKey: true,
      demo: false,
      strictFips: true,
      corePath: '/repo/native/build/re4_dump',
      manifestPath: '/repo/native/build/manifest.json',
      expectedCoreSha256: null,
      maxBytesPerRequest: 1_000_000,
      rateLimits: DEFAULT_RATE_LIMITS,
      serving: {
        memory: { bytes: 256 * MIB, source: 'default' },
        bytesInFlight: { totalBytes: 40 * MIB, perKeyBytes: 10 * MIB },
        maxConnections: 2560,
        timeouts: DEFAULT_SERVER_TIMEOUTS,
      },
      selftestTimeoutMs: 5_000,
      predictionResistance: false,
      sealedDir: '/tmp',
      logLevel: 'info',
      tracing: false,
      vrf: { keysetFile: null, appliance: 'local', beaconPeriodSeconds: 30, beaconGenesisMs: null, workerThreads: availableParallelism() },
      workers: 1,
    });
  });

  it('reads every setting', () => {
    const config = ok({
      API_KEYS_FILE: '/etc/r4/keys',
      API_HOST: '127.0.0.1',
      PORT: '0',
      TLS_CERT_FILE: '/etc/r4/tls/tls.crt',
      TLS_KEY_FILE: 'tls/tls.key',
      STRICT_FIPS: '0',
      ALLOW_QUERY_KEY: '0',
      R4_DEMO: '1',
      RATE_LIMIT_IP_AUTH_FAILURES_PER_S: '3',
      R4_CORE_PATH: '/opt/core',
      R4_MANIFEST_PATH: 'build/manifest.json',
      R4_EXPECTED_CORE_SHA256: 'c'.repeat(64),
      MAX_BYTES_PER_REQUEST: '4096',
      RATE_LIMIT_RPS: '0',
      RATE_LIMIT_BYTES_PER_S: '4096',
      RATE_LIMIT_IP_RPS: '7',
      MEMORY_LIMIT_BYTES: String(512 * MIB),
      MAX_BYTES_IN_FLIGHT: '10000',
      MAX_BYTES_IN_FLIGHT_PER_KEY: '9000',
      MAX_CONNECTIONS: '50',
      HEADERS_TIMEOUT_MS: '1000',
      REQUEST_TIMEOUT_MS: '2000',
      IDLE_TIMEOUT_MS: '3000',
      KEEP_ALIVE_TIMEOUT_MS: '4000',
      R4_SELFTEST_TIMEOUT_MS: '250',
      R4_PREDICTION_RESISTANCE: 'true',
      R4_SEALED_DIR: '/run/r4',
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      R4_VRF_KEYSET_FILE: 'vrf/keyset.json',
      R4_APPLIANCE: 'ns/demo',
      R4_VRF_BEACON_PERIOD_S: '5',
      R4_VRF_BEACON_GENESIS: '2026-01-01T00:00:00Z',
      VRF_WORKER_THREADS: '3',
      WORKERS: '4',
    });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: '/etc/r4/tls/tls.crt', keyFile: '/srv/app/tls/tls.key' },
      apiKeys: { kind: 'file', path: '/etc/r4/keys' },
      allowQueryKey: false,
      demo: true,
      strictFips: false,
      corePath: '/opt/core',
      manifestPath: '/srv/app/build/manifest.json',
      expectedCoreSha256: 'c'.repeat(64),
      maxBytesPerRequest: 4096,
      rateLimits: { keyRequestsPerS: 0, keyBytesPerS: 4096, ipRequestsPerS: 7, ipAuthFailuresPerS: 3 },
      serving: {
        memory: { bytes: 512 * MIB, source: 'MEMORY_LIMIT_BYTES' },
        bytesInFlight: { totalBytes: 10_000, perKeyBytes: 9_000 },
        maxConnections: 50,
        timeouts: { headersMs: 1000, requestMs: 2000, idleMs: 3000, keepAliveMs: 4000 },
      },
      selftestTimeoutMs: 250,
      predictionResistance: true,
      sealedDir: '/run/r4',
      logLevel: 'warn',
      tracing: true,
      vrf: { keysetFile: '/srv/app/vrf/keyset.json', appliance: 'ns/demo', beaconPeriodSeconds: 5, beaconGenesisMs: Date.parse('2026-01-01T00:00:00Z'), workerThreads: 3 },
      workers: 4,
    });
  });

  it('turns tracing on for a traces-only OTLP endpoint too', () => {
    expect(ok({ API_KEY: KEY, API_HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }).tracing).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(ok({ API_KEY: KEY, PORT: '', STRICT_FIPS: '', API_HOST: '', ALLOW_PLAIN_HTTP: '1', TLS_CERT_FILE: '', TLS_KEY_FILE: '' }).port).toBe(8080);
  });

  describe('HTTPS, or plain HTTP where it is safe', () => {
    const plainRefused = (host: string) =>
      `plain HTTP is served on a loopback address only, and API_HOST is "${host}": give TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS, or set ALLOW_PLAIN_HTTP=1 to serve plain HTTP there`;

    it('serves HTTPS on any address given both files', () => {
      expect(ok({ API_KEY: KEY, TLS_CERT_FILE: '/tls/tls.crt', TLS_KEY_FILE: '/tls/tls.key' }).tls).toEqual({ certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' });
      expect(ok({ API_KEY: KEY, API_HOST: '10.1.2.3', TLS_CERT_FILE: '/tls/tls.crt', TLS_KEY_FILE: '/tls/tls.key' }).host).toBe('10.1.2.3');
    });

    it('wants both files or neither', () => {
      expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', TLS_CERT_FILE: '/tls/tls.crt' })).toBe(
        'invalid configuration: set both TLS_CERT_FILE and TLS_KEY_FILE, or neither (only TLS_CERT_FILE is set)',
      );
      // One problem, not two: the missing half is the mistake, not plain HTTP on a public address.
      expect(error({ API_KEY: KEY, TLS_KEY_FILE: '/tls/tls.key' })).toBe(
        'invalid configuration: set both TLS_CERT_FILE and TLS_KEY_FILE, or neither (only TLS_KEY_FILE is set)',
      );
    });

    it.each(['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LocalHost'])(
      'serves plain HTTP on the loopback address %s',
      (host) => {
        expect(ok({ API_KEY: KEY, API_HOST: host }).tls).toBeNull();
      },
    );

    it.each(['0.0.0.0', '::', '10.0.0.7', '128.0.0.1', '::2', 'r4.example', 'localhost.example'])(
      'refuses plain HTTP on %s unless ALLOW_PLAIN_HTTP=1',
      (host) => {
        expect(error({ API_KEY: KEY, API_HOST: host })).toBe(`invalid configuration: ${plainRefused(host)}`);
        expect(error({ API_KEY: KEY, API_HOST: host, ALLOW_PLAIN_HTTP: '0' })).toBe(`invalid configuration: ${plainRefused(host)}`);
        expect(ok({ API_KEY: KEY, API_HOST: host, ALLOW_PLAIN_HTTP: '1' }).tls).toBeNull();
      },
    );

    it('says when the address is the default one', () => {
      expect(error({ API_KEY: KEY })).toBe(`invalid configuration: ${plainRefused('0.0.0.0').replace('"0.0.0.0":', '"0.0.0.0" (the default):')}`);
    });

    it.each(['yes', '2'])('rejects ALLOW_PLAIN_HTTP=%s', (value) => {
      expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', ALLOW_PLAIN_HTTP: value })).toBe(`invalid configuration: ALLOW_PLAIN_HTTP must be 0 or 1 (got "${value}")`);
    });
  });

  it('requires exactly one key source', () => {
    expect(error({})).toMatch(/set API_KEY \(one key\) or API_KEYS_FILE/);
    expect(error({ API_KEY: 'a', API_KEYS_FILE: '/k' })).toMatch(/only one of API_KEY and API_KEYS_FILE/);
  });

  it('rejects a key outside A-Z a-z 0-9 _ -, without echoing it', () => {
    const message = error({ API_KEY: `has space secret ${KEY}` });
    expect(message).toMatch(/API_KEY may hold only letters, digits, _ and -/);
    expect(message).not.toContain('secret');
  });

  it('rejects a key shorter than 32 characters, without echoing it, except in demo mode', () => {
    const message = error({ API_KEY: 'short-secret', API_HOST: '127.0.0.1' });
    expect(message).toBe(
      'invalid configuration: API_KEY is shorter than 32 characters (generate one with: openssl rand -hex 16; short keys only with R4_DEMO=1)',
    );
    expect(error({ API_KEY: KEY.slice(1), API_HOST: '127.0.0.1' })).toMatch(/shorter than 32/);
    expect(ok({ API_KEY: 'demo', API_HOST: '127.0.0.1', R4_DEMO: '1' })).toMatchObject({ demo: true, apiKeys: { kind: 'inline', key: 'demo' } });
    expect(error({ API_KEY: 'demo', API_HOST: '127.0.0.1', R4_DEMO: '0' })).toMatch(/shorter than 32/);
  });

  it('fails closed by default: STRICT_FIPS on, the fallback only when asked', () => {
    expect(ok({ API_KEY: KEY, API_HOST: '127.0.0.1' }).strictFips).toBe(true);
    expect(ok({ API_KEY: KEY, API_HOST: '127.0.0.1', STRICT_FIPS: '0' }).strictFips).toBe(false);
  });

  it.each(['ALLOW_QUERY_KEY', 'R4_DEMO'] as const)('rejects %s other than 0 or 1', (name) => {
    expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', [name]: 'yes' })).toBe(`invalid configuration: ${name} must be 0 or 1 (got "yes")`);
  });

  it.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80a'],
    ['PORT', '1e3'],
    ['PORT', '0x50'],
    ['PORT', ' 80'],
    ['MAX_BYTES_PER_REQUEST', '0'],
    ['MAX_BYTES_PER_REQUEST', '16777217'],
    ['RATE_LIMIT_RPS', '1.5'],
    ['RATE_LIMIT_IP_RPS', 'lots'],
    ['R4_SELFTEST_TIMEOUT_MS', '99'],
  ])('rejects %s=%s, naming the variable and the allowed range', (name, value) => {
    expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', [name]: value })).toMatch(new RegExp(`${name} must be an integer from \\d+ to \\d+ \\(got "${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\)`));
  });

  it.each(['yes', '2', 'TRUE'])('rejects STRICT_FIPS=%s', (value) => {
    expect(error({ API_KEY: KEY, STRICT_FIPS: value })).toMatch(/STRICT_FIPS must be 0 or 1/);
  });

  it('rejects a byte budget smaller than one request', () => {
    expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', RATE_LIMIT_BYTES_PER_S: '999999' })).toMatch(
      /RATE_LIMIT_BYTES_PER_S \(999999\) must be 0 or at least MAX_BYTES_PER_REQUEST \(1000000\)/,
    );
    expect(ok({ API_KEY: KEY, API_HOST: '127.0.0.1', RATE_LIMIT_BYTES_PER_S: '0' }).rateLimits.keyBytesPerS).toBe(0);
  });

  it('rejects an expected core hash that is not 64 lowercase hex digits', () => {
    expect(error({ API_KEY: KEY, R4_EXPECTED_CORE_SHA256: 'ABC' })).toContain('R4_EXPECTED_CORE_SHA256 must be 64 lowercase hex digits');
  });

  it('rejects a bad host and an unknown log level', () => {
    expect(error({ API_KEY: KEY, API_HOST: 'no spaces please' })).toMatch(/API_HOST must be an IP address or a host name/);
    expect(ok({ API_KEY: KEY, API_HOST: '::1' }).host).toBe('::1');
    expect(ok({ API_KEY: KEY, API_HOST: 'localhost' }).host).toBe('localhost');
    expect(error({ API_KEY: KEY, LOG_LEVEL: 'loud' })).toMatch(/LOG_LEVEL must be one of/);
  });

  it('refuses a sealed dir too long for the core\'s output socket, naming the limit', () => {
    expect(parse({ API_KEY: KEY, API_HOST: '127.0.0.1', R4_SEALED_DIR: `/${'d'.repeat(74)}` }).ok).toBe(true);
    expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', R4_SEALED_DIR: `/${'d'.repeat(75)}` })).toMatch(/R4_SEALED_DIR \(default: the temp dir\) must be at most 75 bytes long, for the core's output socket inside it \(got 76/);
  });

  it('refuses VRF settings that cannot be meant, naming each', () => {
    const base = { API_KEY: KEY, API_HOST: '127.0.0.1' };
    expect(error({ ...base, R4_APPLIANCE: 'Not/A/Name' })).toMatch(/R4_APPLIANCE must be "namespace\/name"/);
    expect(error({ ...base, R4_VRF_BEACON_GENESIS: 'yesterday' })).toMatch(/R4_VRF_BEACON_GENESIS must be an RFC 3339 time/);
    expect(error({ ...base, R4_VRF_BEACON_PERIOD_S: '0' })).toMatch(/R4_VRF_BEACON_PERIOD_S must be an integer from 1 to 86400/);
    expect(error({ ...base, VRF_WORKER_THREADS: '0' })).toMatch(/VRF_WORKER_THREADS must be an integer from 1 to 64/);
  });

  it('serves from one worker per CPU it may use as far as its memory holds 256 MiB each, or WORKERS', () => {
    const base = { API_KEY: KEY, API_HOST: '127.0.0.1' };
    const GIB = 1024 * MIB;
    const workers = (cpuBudget: number | undefined, memoryLimitBytes: number | undefined, env: Env = base) => {
      const result = parseConfig(env, { ...ctx, ...(cpuBudget === undefined ? {} : { cpuBudget }), ...(memoryLimitBytes === undefined ? {} : { memoryLimitBytes }) });
      return result.ok ? result.config.workers : result.error;
    };
    expect(workers(undefined, undefined)).toBe(1);
    expect(workers(6, 2 * GIB)).toBe(6);
    expect(workers(6, GIB)).toBe(4);
    expect(workers(6, undefined)).toBe(1); // the default budget, 256 MiB, holds one
    expect(workers(6, 384 * MIB)).toBe(1);
    expect(workers(500, 64 * GIB)).toBe(64);
    expect(workers(6, 2 * GIB, { ...base, WORKERS: '1' })).toBe(1);
    expect(workers(1, undefined, { ...base, WORKERS: '8' })).toBe(8);
    expect(error({ ...base, WORKERS: '0' })).toMatch(/WORKERS must be an integer from 1 to 64/);
  });

  it('reports every problem in one message', () => {
    const message = error({ PORT: 'x', STRICT_FIPS: 'maybe' });
    expect(message.split('; ')).toHaveLength(4); // the key, PORT, plain HTTP on the default 0.0.0.0, STRICT_FIPS
    expect(message).toMatch(/^invalid configuration: /);
  });

  it('bounds quoted values so a pasted blob stays readable', () => {
    expect(error({ API_KEY: KEY, API_HOST: '127.0.0.1', PORT: '9'.repeat(200) }).length).toBeLessThan(200);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
  ])('reads %s', (raw, value) => expect(parseDecimal(raw)).toBe(value));

  it.each(['', '-1', '+1', '1.0', '1e3', '0x1', ' 1', '1 ', '99999999999999999'])('refuses %j', (raw) =>
    expect(parseDecimal(raw)).toBeNull(),
  );
});

describe('serving limits', () => {
  const base: Env = { API_KEY: KEY, API_HOST: '127.0.0.1' };
  const withMemory = (memoryLimitBytes: number, env: Env = base) => parseConfig(env, { ...ctx, memoryLimitBytes });

  it("derives the limits and the per-key byte rate from the cgroup's memory limit", () => {
    const result = withMemory(512 * MIB);
    if (!result.ok) throw new Error(result.error);
    expect(result.config.serving).toMatchObject({ memory: { bytes: 512 * MIB, source: 'cgroup' }, bytesInFlight: { totalBytes: 104 * MIB, perKeyBytes: 26 * MIB } });
    expect(result.config.rateLimits.keyBytesPerS).toBe(104 * MIB);
  });

  it("raises a key's share to the hex answer to the largest request, within the total", () => {
    const raised = ok({ ...base, MAX_BYTES_PER_REQUEST: String(16 * MIB) });
    expect(raised.serving.bytesInFlight).toEqual({ totalBytes: 40 * MIB, perKeyBytes: 32 * MIB });
  });

  it('lets MEMORY_LIMIT_BYTES lower the budget, never raise it past the cgroup limit', () => {
    const lowered = withMemory(1024 * MIB, { ...base, MEMORY_LIMIT_BYTES: String(256 * MIB) });
    const raised = withMemory(256 * MIB, { ...base, MEMORY_LIMIT_BYTES: String(1024 * MIB) });
    if (!lowered.ok || !raised.ok) throw new Error('expected valid configurations');
    expect(lowered.config.serving.memory).toEqual({ bytes: 256 * MIB, source: 'MEMORY_LIMIT_BYTES' });
    expect(raised.config.serving.memory).toEqual({ bytes: 256 * MIB, source: 'cgroup' });
  });

  it('refuses a memory limit too small for the hex answer to the largest request, naming where it came from', () => {
    const result = withMemory(100 * MIB);
    expect(result).toEqual({
      ok: false,
      error: `invalid configuration: ${['MAX_BYTES_IN_FLIGHT', 'MAX_BYTES_IN_FLIGHT_PER_KEY']
        .map((name) => `${name} (1048576, derived from the memory limit of ${100 * MIB} bytes (cgroup)) must be at least twice MAX_BYTES_PER_REQUEST (2000000: the hex answer to the largest request)`)
        .join('; ')}`,
    });
    expect(error({ ...base, MAX_BYTES_PER_REQUEST: '1000', MAX_BYTES_IN_FLIGHT: '1999', RATE_LIMIT_BYTES_PER_S: '0' })).toContain(
      'MAX_BYTES_IN_FLIGHT (1999) must be at least twice MAX_BYTES_PER_REQUEST (2000',
    );
  });

  it('refuses a headers timeout longer than the request timeout, and no connections at all', () => {
    expect(error({ ...base, HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4000', MAX_CONNECTIONS: '0' })).toBe(
      'invalid configuration: HEADERS_TIMEOUT_MS (5000) must be at most REQUEST_TIMEOUT_MS (4000); MAX_CONNECTIONS must be at least 1 (got 0)',
    );
  });
});
