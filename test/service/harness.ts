import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceEnv } from '../../contracts/service-env.js';
import { parseConfig } from '../../service/config.js';
import { packageRoot } from '../../service/packageRoot.js';
import { startService, type RunningService } from '../../service/start.js';

export const ROOT = packageRoot();
export const RELEASE_CORE = join(ROOT, 'native', 'build', 're4_dump');
export const RELEASE_MANIFEST = join(ROOT, 'native', 'build', 'manifest.json');
export const TEST_HOOKS_CORE = join(ROOT, 'native', 'build', 'test-hooks', 're4_dump');
export const KEY = 'test-key-0123456789abcdef0123456789';

export interface TestService {
  service: RunningService;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * A real service on 127.0.0.1 (ephemeral port) with the real core; logs are captured for inspection. `env`
 * is the service's environment, and R4_TEST_FAULT, which the test-hooks core reads from what it inherits.
 */
export async function startTestService(env: ServiceEnv & { R4_TEST_FAULT?: string } = {}): Promise<TestService> {
  const fullEnv = { API_KEY: KEY, API_HOST: '127.0.0.1', PORT: '0', ...env };
  const parsed = parseConfig(fullEnv, { packageRoot: ROOT, tmpDir: tmpdir(), cwd: process.cwd() });
  if (!parsed.ok) throw new Error(parsed.error);
  const logs: string[] = [];
  const service = await startService(parsed.config, {
    packageRoot: ROOT,
    env: { ...process.env, ...fullEnv },
    logStream: { write: (line: string) => void logs.push(line) },
  });
  return { service, url: service.url, logs, stop: () => service.stop() };
}

/** A scratch directory removed by the returned cleanup. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `r4-test-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A manifest in `dir` vouching for exactly the file at `corePath`. */
export function manifestFor(corePath: string, dir: string): string {
  const path = join(dir, 'manifest.json');
  writeFileSync(path, JSON.stringify({ name: 're4_dump', version: 'test', git: 'test', core_sha256: sha256File(corePath) }));
  return path;
}

/** A copy of the release core with one byte changed in the middle: same size, different hash. */
export function tamperedCopy(dir: string): string {
  const path = join(dir, 're4_dump');
  copyFileSync(RELEASE_CORE, path);
  const bytes = readFileSync(path);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] as number) ^ 0x01;
  writeFileSync(path, bytes);
  chmodSync(path, 0o755);
  return path;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET over a keep-alive agent, returning the raw body; never throws on an HTTP status. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(30_000, () => request.destroy(new Error(`GET ${url} timed out`)));
  });
}

export async function getJson<T = Record<string, unknown>>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: T }> {
  const answer = await get(url, headers);
  return { status: answer.status, headers: answer.headers, json: JSON.parse(answer.body.toString('utf8')) as T };
}

export interface VersionDoc {
  integrity: string;
  selftest: string;
  mode: string;
  mode_reason: string | null;
  mode_changes: number;
  core_sha256: string | null;
  expected_core_sha256: string | null;
  integrity_detail: string;
  selftest_detail: string;
  core: { state: string; pid: number | null; restarts: number; last_exit: { reason: string; signal: string | null; code: number | null; error: Record<string, unknown> | null } | null };
  [field: string]: unknown;
}

export async function version(url: string): Promise<VersionDoc> {
  return (await getJson<VersionDoc>(`${url}/version`)).json;
}

/** Polls until `check` holds (bounded), returning the last value it saw. */
export async function waitUntil<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  return last;
}

export { alive } from '../support/processes.js';

export function closeAgent(): void {
  agent.destroy();
}
