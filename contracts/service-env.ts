// The environment of the entropy service: every variable it reads (service/config.ts) and the operator
// may render (cdk8s/entropy-workload.ts), with what it means. Both sides index this table, so a name the
// other side does not know is a compile error, not a setting silently ignored.

export const SERVICE_ENV = {
  API_HOST: 'Address to listen on (default 0.0.0.0). Without TLS, only a loopback address unless ALLOW_PLAIN_HTTP=1.',
  PORT: 'TCP port (default 8080; 0 picks a free one).',
  TLS_CERT_FILE: 'PEM certificate (the server certificate first, then its chain); with TLS_KEY_FILE, the service serves HTTPS. Re-read when it changes.',
  TLS_KEY_FILE: "PEM private key of TLS_CERT_FILE's certificate (both or neither). Re-read when it changes.",
  ALLOW_PLAIN_HTTP: '1: serve plain HTTP on a non-loopback API_HOST (tests, demos, appliances with TLS turned off); 0 (default): refuse to start there without TLS.',
  API_KEY: 'One API key (set this or API_KEYS_FILE).',
  API_KEYS_FILE: 'A file of API keys, one per line, re-read when it changes.',
  STRICT_FIPS: '1: a core that fails its self-test blocks the service; 0: it falls back to the OS generator (openly reported).',
  R4_EXPECTED_CORE_SHA256: "A SHA-256 the core must have besides the manifest's (the operator sets the appliance's).",
  MAX_BYTES_PER_REQUEST: 'Largest n one /random request may ask for.',
  RATE_LIMIT_RPS: 'Requests per second per API key; 0 switches the limit off.',
  RATE_LIMIT_BYTES_PER_S: 'Bytes per second per API key; 0 switches the limit off.',
  RATE_LIMIT_IP_RPS: 'Requests per second per client address; 0 switches the limit off.',
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
