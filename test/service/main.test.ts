import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { alive, KEY, ROOT, scratchDir, version, waitUntil } from './harness.js';

/** The entry point the cluster harness and the image run: `node dist/service/main.js` (built by `npm test`). */
const MAIN = join(ROOT, 'dist', 'service', 'main.js');

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Runs main.js from an unrelated cwd, proving the default core and manifest paths follow the package. */
function runMain(env: Record<string, string>, port = 0): Started {
  const child = spawn(process.execPath, [MAIN], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', API_HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, stderr: () => stderr, exit };
}

async function started(env: Record<string, string>): Promise<Started> {
  const run = runMain(env, await freePort());
  await waitUntil('the service to listen', () => fetch(`${run.url}/ready`).then((r) => r.status, () => 0), (s) => s === 200, 20_000);
  return run;
}

describe('node dist/service/main.js', () => {
  it('refuses a bad configuration with one clear message and exit code 2', async () => {
    const run = runMain({ API_KEY: KEY, PORT: 'eighty', STRICT_FIPS: 'maybe' });
    expect(await run.exit).toBe(2);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'r4 service: invalid configuration: PORT must be an integer from 0 to 65535 (got "eighty"); STRICT_FIPS must be 0 or 1 (got "maybe")',
    );
  });

  it('refuses a missing key file the same way', async () => {
    const run = runMain({ API_KEYS_FILE: '/nonexistent/keys' });
    expect(await run.exit).toBe(2);
    expect(run.stderr().trim()).toBe('r4 service: invalid configuration: API_KEYS_FILE /nonexistent/keys cannot be read: ENOENT');
  });

  it('on SIGTERM stops accepting, finishes the request in flight, stops the core and exits 0', async () => {
    const run = await started({ API_KEY: KEY, MAX_BYTES_PER_REQUEST: '16000000', RATE_LIMIT_BYTES_PER_S: '0', STRICT_FIPS: '1' });
    const corePid = (await version(run.url)).core.pid as number;
    expect(alive(corePid)).toBe(true);

    // Hold a request in flight: with the core paused, a request larger than the pool waits for bytes.
    process.kill(corePid, 'SIGSTOP');
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${run.url}/random?n=16000000`, { headers: { 'x-api-key': KEY }, agent: false }, resolve).on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(run.child.exitCode).toBeNull(); // still serving the request in flight
    const refused = await fetch(`${run.url}/health`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(refused); // no longer accepting new work
    process.kill(corePid, 'SIGCONT');

    const answer = await response;
    let received = 0;
    answer.on('data', (chunk: Buffer) => (received += chunk.length));
    await once(answer, 'end');
    expect(answer.statusCode).toBe(200);
    expect(received).toBe(16_000_000);
    expect(await run.exit).toBe(0);
    expect(alive(corePid)).toBe(false);
  });

  it('exports traces by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const posts: { path: string; type: string; body: Buffer }[] = [];
    const collector = http.createServer((request, reply) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posts.push({ path: request.url ?? '', type: request.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        reply.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const { port } = collector.address() as AddressInfo;
    const run = await started({ API_KEY: KEY, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '100' });
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await fetch(`${run.url}/random?n=8`, { headers: { 'x-api-key': KEY, traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      // Each worker thread exports its own spans (WORKERS > 1): the request's is in one of the exports.
      const request = (p: { path: string; body: Buffer }) => p.path === '/v1/traces' && p.body.includes('GET /random');
      const trace = await waitUntil('a trace export of the request', async () => posts.find(request), (p) => p !== undefined, 10_000);
      expect(trace?.type).toBe('application/x-protobuf');
      expect(trace?.body.includes('GET /random')).toBe(true);
      expect(trace?.body.includes('re4ctor-api')).toBe(true);
      expect(trace?.body.includes(Buffer.from(traceId, 'hex'))).toBe(true); // the caller's trace continues
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
      collector.close();
    }
  });

  it('starts with keys from API_KEYS_FILE and stops cleanly', async () => {
    const scratch = scratchDir('no-otlp');
    writeFileSync(join(scratch.dir, 'keys'), `${KEY}\n`);
    const run = await started({ API_KEYS_FILE: join(scratch.dir, 'keys') });
    try {
      expect((await fetch(`${run.url}/random?n=8`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      scratch.remove();
    }
  });
});
