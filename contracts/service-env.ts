// The environment of the entropy service: every variable it reads (service/config.ts) and the operator
// may render (cdk8s/entropy-workload.ts), with what it means. Both sides index this table, so a name the
// other side does not know is a compile error, not a setting silently ignored.

export const SERVICE_ENV = {
  API_HOST: 'Address to listen on (default 0.0.0.0). Without TLS, only a loopback address unless ALLOW_PLAIN_HTTP=1.',
  PORT: 'TCP port (default 8080; 0 picks a free one).',
  TLS_CERT_FILE: 'PEM certificate (the server certificate first, then its chain); with TLS_KEY_FILE, the service serves HTTPS. Re-read when it changes.',
  TLS_KEY_FILE: "PEM private key of TLS_CERT_FILE's certificate (both or neither). Re-read when it changes.",
  ALLOW_PLAIN_HTTP: '1: serve plain HTTP on a non-loopback API_HOST (tests, demos, appliances with TLS turned off); 0 (default): refuse to start there without TLS.',
  API_KEY: 'One API key (set this or API_KEYS_FILE): at least 32 characters from A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 16`).',
  API_KEYS_FILE: 'A file of API keys, one per line (each as API_KEY), re-read when it changes; a file that disappears revokes every key.',
  ALLOW_QUERY_KEY: '1 (default): /random also takes its key from `?key=`; 0: only from the x-api-key header, and a query key is refused with 401.',
  R4_DEMO: '1: demo mode: keys shorter than 32 characters are accepted, /version says "demo": true, and the operator never attests the pod.',
  STRICT_FIPS: '1 (default): a core that fails its self-test blocks the service; 0: it falls back to the OS generator (for demos; openly reported in /version and x-r4-mode).',
  R4_EXPECTED_CORE_SHA256: "A SHA-256 the core must have besides the manifest's (the operator sets the appliance's).",
  MAX_BYTES_PER_REQUEST: 'Largest n one /random request may ask for.',
  MEMORY_LIMIT_BYTES: "The memory budget the defaults below derive from, when lower than the cgroup's memory limit (which is read; default without either: 256 MiB).",
  MAX_BYTES_IN_FLIGHT: 'Bytes of /random answers not yet handed to the kernel, all clients together; above it, 503 (default: derived from the memory budget).',
  MAX_BYTES_IN_FLIGHT_PER_KEY: 'The same for one API key; above it, 429 (default: a quarter of MAX_BYTES_IN_FLIGHT, at least twice MAX_BYTES_PER_REQUEST).',
  MAX_CONNECTIONS: 'Open connections at most; more are closed as they arrive (default: derived from the memory budget).',
  HEADERS_TIMEOUT_MS: 'Time from a request\'s first byte to the end of its headers (default 10000).',
  REQUEST_TIMEOUT_MS: 'Time from a request\'s first byte to its end (default 30000).',
  IDLE_TIMEOUT_MS: 'A connection with no traffic either way for this long, during a request or an answer, is closed (default 30000).',
  KEEP_ALIVE_TIMEOUT_MS: 'How long a kept-alive connection waits for its next request (default 72000).',
  RATE_LIMIT_RPS: 'Requests per second per API key; 0 switches the limit off.',
  RATE_LIMIT_BYTES_PER_S: 'Bytes per second per API key (default: MAX_BYTES_IN_FLIGHT\'s derived value); 0 switches the limit off.',
  RATE_LIMIT_IP_RPS: 'Requests per second per client address; 0 switches the limit off.',
  RATE_LIMIT_IP_AUTH_FAILURES_PER_S: 'Requests with a missing or wrong key (401) per second per client address, apart from the rest (default 10); 0 switches the limit off.',
  R4_VRF_KEYSET_FILE: 'The VRF keyset (keyset.json: the appliance\'s ECVRF and ML-DSA-65 keys, see docs/vrf.md), re-read when it changes; unset: /vrf answers 503. `npm start` makes one with the core when absent.',
  R4_APPLIANCE: 'The appliance this pod serves, "namespace/name" (the operator sets it; default "local"): named in /vrf answers and part of the beacon\'s chain id.',
  R4_VRF_BEACON_PERIOD_S: 'Seconds between beacon rounds (default 30).',
  R4_VRF_BEACON_GENESIS: 'When beacon round 1 begins, RFC 3339 (default: the first VRF key\'s active_from).',
  WORKERS: 'Worker threads that serve the port together (SO_REUSEPORT), each running and attesting its own core, sharing one attestation key and exact rate limits (default: one per CPU the process may use, its affinity capped by the cgroup CPU quota, as far as the memory budget holds 256 MiB per worker; at most 64). 1: one thread, as before.',
  VRF_WORKER_THREADS: 'Threads that prove and sign /vrf answers and beacon pulses (default: one per CPU the process may use).',
  R4_VRF_NATIVE: '0: ML-DSA-65 through node:crypto (OpenSSL) and ECVRF verification through libsodium even where the faster native module (native/build/r4_vrf_native.node) is built; default: the module when present (docs/vrf.md).',
  R4_CORE_PATH: 'The core binary (default native/build/re4_dump of the checkout).',
  R4_MANIFEST_PATH: "The core's manifest (default native/build/manifest.json).",
  R4_SELFTEST_TIMEOUT_MS: "How long the core's self-test may take.",
  R4_PREDICTION_RESISTANCE: '1: the core reseeds before every generate call (SP 800-90A prediction resistance).',
  R4_SEALED_DIR: 'Where the private, hashed copy of the core is written and run from (default the temp dir).',
  LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent.',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'Set: traces are exported over OTLP.',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'Set: traces are exported over OTLP (traces only).',
} as const;

export type ServiceEnvName = keyof typeof SERVICE_ENV;

/** The service's environment, as the operator renders it or a process receives it. */
export type ServiceEnv = Partial<Record<ServiceEnvName, string>>;
