// A real service process (`node dist/service/main.js`, as a pod runs it) with a VRF keyset made by the real
// core, for the /vrf scenarios: its VRF threads load the compiled worker, which the in-process harness
// cannot give them. Started under setpriv --pdeathsig (local-process.ts): it never outlives the test run.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { VrfKeyMaterial, VrfKeyset } from '../../contracts/vrf-keyset.js';
import { packageRoot } from '../../service/packageRoot.js';
import { readCoreSeed } from '../../vrf/node/core-seed.js';
import { KEY_SEED_BYTES, newKeyMaterial } from '../../vrf/node/key-material.js';
import { freeLoopbackPort } from './free-port.js';
import { startLocalProcess, type LocalProcess, type ProcessExit } from './local-process.js';

export const ROOT = packageRoot();
export const SERVICE_MAIN = join(ROOT, 'dist', 'service', 'main.js');
export const API_KEY = 'vrf-test-key-0123456789abcdef0123456789';

/** Keys made from the release core's bytes (as the operator makes them), one per `activeFrom`. */
export async function coreKeys(...activeFrom: Date[]): Promise<VrfKeyMaterial[]> {
  const root = ROOT;
  const seed = await readCoreSeed(join(root, 'native', 'build', 're4_dump'), join(root, 'native', 'build', 'manifest.json'), KEY_SEED_BYTES * activeFrom.length, 10_000);
  const created = new Date();
  const keys = activeFrom.map((at, i) => newKeyMaterial(seed.bytes.subarray(i * KEY_SEED_BYTES, (i + 1) * KEY_SEED_BYTES), seed.coreSha256, created, at));
  seed.bytes.fill(0);
  return keys;
}

/** Written whole under another name, then renamed, as the operator's Secret update appears to a pod. */
export function writeKeyset(path: string, keys: VrfKeyMaterial[]): void {
  const keyset: VrfKeyset = { version: 1, keys };
  writeFileSync(`${path}.partial`, JSON.stringify(keyset), { mode: 0o600 });
  renameSync(`${path}.partial`, path);
}

export interface ServiceProcess {
  url: string;
  process: LocalProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  log(): string;
  stop(): Promise<ProcessExit>;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One GET, no agent; `ca` for HTTPS. Never throws on an HTTP status. */
export function fetchText(url: string, headers: Record<string, string> = { 'x-api-key': API_KEY }, ca?: Buffer, timeoutMs = 20_000): Promise<Reply> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { headers, agent: false, timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Starts the service with `env` (API_KEY, PORT and API_HOST given here) and waits until /health answers. */
export async function startServiceProcess(dir: string, name: string, env: Record<string, string>, ca?: Buffer): Promise<ServiceProcess> {
  const port = await freeLoopbackPort();
  const logFile = join(dir, `${name}.log`);
  const child = startLocalProcess({
    name,
    argv: [process.execPath, SERVICE_MAIN],
    logFile,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', API_KEY, API_HOST: '127.0.0.1', PORT: String(port), ...env },
  });
  const log = () => readFileSync(logFile, 'utf8');
  const url = `${env.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let gone = false;
  void child.exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`${name} exited before serving: ${log().slice(-2000)}`);
    const health = await fetchText(`${url}/health`, {}, ca, 2_000).catch(() => null);
    if (health?.status === 200) break;
    if (Date.now() > deadline) {
      await child.stop(5_000);
      throw new Error(`${name} did not serve /health within 30 s: ${log().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, process: child, log, stop: () => child.stop(10_000) };
}

/** Runs the service expecting it to refuse its configuration: its exit and what it wrote. */
export async function refusedStart(dir: string, name: string, env: Record<string, string>): Promise<{ exit: ProcessExit; log: string }> {
  const logFile = join(dir, `${name}.log`);
  const port = await freeLoopbackPort();
  const child = startLocalProcess({
    name,
    argv: [process.execPath, SERVICE_MAIN],
    logFile,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', API_KEY, API_HOST: '127.0.0.1', PORT: String(port), ...env },
  });
  const timer = setTimeout(() => void child.stop(1_000), 30_000);
  const exit = await child.exited;
  clearTimeout(timer);
  await child.stop(1_000);
  return { exit, log: readFileSync(logFile, 'utf8') };
}

