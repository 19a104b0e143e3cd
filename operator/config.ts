// The operator's configuration, read once from the environment and validated; a bad value stops the
// start with one message that names every problem.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGEST_PATTERN, parseImageReference } from '../api/v1alpha1/image.js';
import { SHA256_HEX } from '../contracts/sha256.js';
import type { Level } from './log.js';

export interface OperatorConfig {
  defaultImage: string;
  /** The digest of the default image (sha256:…), also in force for an appliance image given without one. */
  defaultImageDigest: string;
  defaultCoreSha256: string;
  /** Where the operator keeps its certificate authority (the Secret r4-operator-ca). */
  operatorNamespace: string;
  /** The namespaces whose appliances are reconciled (WATCH_NAMESPACE, comma-separated); empty: every namespace. */
  watchNamespaces: string[];
  /**
   * Repositories an appliance's spec.image may name (R4_ALLOWED_IMAGE_REPOSITORIES, comma-separated; an entry
   * "<prefix>/*" allows everything under it). Unset: the repository of the default image only.
   */
  allowedImageRepositories: string[];
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  leaderElection: boolean;
  /** Where /healthz, /readyz and /metrics listen. */
  httpHost: string;
  httpPort: number;
  /** Where the dashboard listens (DASHBOARD_HOST, DASHBOARD_PORT); port undefined: DASHBOARD_PORT=off, no dashboard. */
  dashboardHost: string;
  dashboardPort: number | undefined;
  /** A file holding the bearer token the dashboard's API requires (DASHBOARD_TOKEN_FILE); unset: none. */
  dashboardTokenFile: string | undefined;
  /** The page's bundle (index.html, app.js, app.css), built into dist/dashboard. */
  dashboardAssetsDir: string;
  /** Attestation probes in flight at once, across all appliances. */
  probeConcurrency: number;
  /** Requests per second to the API server after a burst of apiBurst (watches and the Lease not counted). */
  apiQps: number;
  apiBurst: number;
  logLevel: Level;
  /** The entropy core that makes the appliances' VRF keys (R4_CORE_PATH), measured against R4_MANIFEST_PATH. */
  corePath: string;
  manifestPath: string;
}

/**
 * The checkout (or the image's /app): the nearest directory above this file with a package.json, found from
 * the file rather than the working directory, so the core's default path is right from operator/ (tests)
 * and dist/operator/ (built) alike.
 */
function checkoutRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
/** A namespace name (RFC 1123 label). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function loadConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const problems: string[] = [];
  const text = (name: string, fallback?: string) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback === undefined) problems.push(`${name} is required`);
    return fallback ?? '';
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return n;
  };

  const defaultCoreSha256 = text('R4_DEFAULT_CORE_SHA256');
  if (defaultCoreSha256 && !SHA256_HEX.test(defaultCoreSha256)) problems.push('R4_DEFAULT_CORE_SHA256 must be 64 lowercase hex characters');
  const defaultImageDigest = text('R4_DEFAULT_IMAGE_DIGEST');
  if (defaultImageDigest && !DIGEST_PATTERN.test(defaultImageDigest)) problems.push('R4_DEFAULT_IMAGE_DIGEST must be sha256: and 64 lowercase hex characters');
  const logLevel = text('LOG_LEVEL', 'info') as Level;
  if (!LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  const leaderElection = text('LEADER_ELECTION', 'true');
  if (leaderElection !== 'true' && leaderElection !== 'false') problems.push('LEADER_ELECTION must be true or false');

  const list = (name: string) => (env[name] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
  const watchNamespaces = list('WATCH_NAMESPACE');
  for (const ns of watchNamespaces) if (!NAMESPACE.test(ns)) problems.push(`WATCH_NAMESPACE: "${ns}" is not a namespace name`);
  const defaultImage = text('R4_DEFAULT_IMAGE');
  const allowedImageRepositories = list('R4_ALLOWED_IMAGE_REPOSITORIES');
  for (const entry of allowedImageRepositories) {
    const repository = entry.endsWith('/*') ? entry.slice(0, -2) : entry;
    if (repository === '' || /\s/.test(repository) || parseImageReference(repository).repository !== repository) {
      problems.push(`R4_ALLOWED_IMAGE_REPOSITORIES: "${entry}" is not a repository (registry/path/name, or <prefix>/*; no tag or digest)`);
    }
  }
  if (allowedImageRepositories.length === 0 && defaultImage) allowedImageRepositories.push(parseImageReference(defaultImage).repository);

  const config: OperatorConfig = {
    defaultImage,
    defaultImageDigest,
    defaultCoreSha256,
    operatorNamespace: text('POD_NAMESPACE', env.LEASE_NAMESPACE || 'default'),
    watchNamespaces,
    allowedImageRepositories,
    leaseNamespace: text('LEASE_NAMESPACE', env.POD_NAMESPACE || 'default'),
    leaseName: text('LEASE_NAME', 'r4-operator'),
    identity: text('POD_NAME', `${hostname()}-${process.pid}`),
    leaderElection: leaderElection === 'true',
    httpHost: text('HTTP_HOST', '0.0.0.0'),
    httpPort: int('HTTP_PORT', 8081, 0, 65535),
    dashboardHost: text('DASHBOARD_HOST', '0.0.0.0'),
    dashboardPort: env.DASHBOARD_PORT === 'off' ? undefined : int('DASHBOARD_PORT', 8082, 0, 65535),
    dashboardTokenFile: env.DASHBOARD_TOKEN_FILE || undefined,
    dashboardAssetsDir: join(checkoutRoot(), 'dist/dashboard'),
    probeConcurrency: int('PROBE_CONCURRENCY', 32, 1, 1024),
    apiQps: int('API_QPS', 50, 1, 10_000),
    apiBurst: int('API_BURST', 100, 1, 10_000),
    logLevel,
    corePath: resolve(text('R4_CORE_PATH', join(checkoutRoot(), 'native/build/re4_dump'))),
    manifestPath: resolve(text('R4_MANIFEST_PATH', join(checkoutRoot(), 'native/build/manifest.json'))),
  };
  if (config.dashboardTokenFile && !existsSync(config.dashboardTokenFile)) problems.push(`DASHBOARD_TOKEN_FILE: ${config.dashboardTokenFile} does not exist`);
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  return config;
}
