// What the benchmarks share: a free port, waiting for a server, and peak load with wrk (a C client, light
// enough to leave the CPU to the server on this 2-core machine) or autocannon, and the figures' formatting.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WRK_REPORT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'service', 'wrk-report.lua');

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version prints its usage and exits 1; only a missing binary is "not installed".
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** `cpus`: the CPU list wrk is pinned to (taskset -c), so that it never takes the service's CPUs. */
export async function wrkPeak(url: string, options: { seconds: number; connections: number; headers?: Record<string, string>; cpus?: string }): Promise<Run> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '-s', WRK_REPORT];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  const command = options.cpus === undefined ? ['wrk', ...args, url] : ['taskset', '-c', options.cpus, 'wrk', ...args, url];
  const child = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${code}): ${out}`);
  const report = JSON.parse(line) as { requests: number; bytes: number; duration_us: number; errors: number };
  const seconds = report.duration_us / 1e6;
  return { rps: report.requests / seconds, mbps: report.bytes / seconds / 1e6, p99Ms: NaN, non2xx: report.errors };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** GET url answers 200; over HTTPS the certificate must be signed by `ca`. */
export function answers200(url: string, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    get(url, { agent: false, ca }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    }).on('error', () => resolve(false)); // not listening yet
  });
}

export async function waitFor(url: string, ca?: Buffer): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await answers200(url, ca)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready within 30 s`);
}

export interface Run {
  rps: number;
  mbps: number;
  p99Ms: number;
  non2xx: number;
}

export const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
export const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

