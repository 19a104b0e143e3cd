import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createTestCa, issueServerCertificate } from '../../test/support/test-certificates.js';
import { fmt, freePort, hasWrk, median, waitFor, wrkPeak, type Run } from '../load.js';
import { readCpuBudget } from '../../service/workers/cpuBudget.js';
import { coreSharingBench } from './core-sharing.js';
import { workersBench } from './workers.js';

/**
 * `npm run bench:service`: the service against bare Fastify on loopback, in one run, side by side.
 *   (a) GET /random?n=32&fmt=hex with a key      vs (b) bare Fastify, constant 64-char string: req/s, a/b
 *   (c) GET /random?n=1000000 raw                 vs (d) bare Fastify, crypto.randomBytes(1e6): MB/s, c/d
 *   p99 latency of (a) and (b) at half of (a)'s peak rate.
 * And, to split the gap between (a) and (b): (e) bare Fastify answering (a)'s very request (query, key
 * header) with (a)'s answer shape (the constant and the service's two headers), doing none of the work.
 * And what TLS costs: the same service with TLS_CERT_FILE and TLS_KEY_FILE (a certificate made for the run),
 *   (f) (a) over HTTPS, kept-alive connections  vs (a): req/s, f/a
 *   (g) (c) over HTTPS                          vs (c): MB/s, g/c
 * and, for scale, what TLS costs bare Fastify itself: (h) (b) over HTTPS vs (b), (i) (d) over HTTPS vs (d).
 * Peaks are measured with wrk when it is installed (Debian package `wrk`): autocannon decodes every body
 * chunk into a string, which caps it near 70 MB/s for 1 MB bodies and would measure the client, not the
 * server. The fixed-rate latency phase uses autocannon (wrk cannot hold a rate) with raw response times.
 * Peaks are measured in alternating rounds and the median is kept, because the machine is shared and noisy.
 * Then the service on every core: 1 worker vs WORKERS, the load generator pinned to its own CPU (workers.ts),
 * and a core per worker against one core shared by all (core-sharing.ts).
 * Bounded: every phase has a fixed duration; the whole run takes about four minutes.
 */
const ROUNDS = 3;
const PEAK_SECONDS = 5;
const WARMUP_SECONDS = 2;
const FIXED_RATE_SECONDS = 10;
const CONNECTIONS = 10;
const BYTES_CONNECTIONS = 4;
const KEY = 'bench-key-0123456789abcdef0123456789';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What a client negotiates with the HTTPS service, so the figures say what they measured. */
function negotiated(url: string, ca: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca, ALPNProtocols: ['http/1.1'] }, () => {
      const certificate = socket.getPeerCertificate();
      resolve(`${socket.getProtocol() ?? '?'}, ${socket.getCipher().name}, ${certificate.nistCurve ?? `${certificate.bits}-bit RSA`} certificate`);
      socket.end();
    });
    socket.on('error', reject);
  });
}

function start(script: string, env: Record<string, string>): ChildProcess {
  // Logs go to /dev/null: the service still formats every line, only the write is free.
  return spawn(process.execPath, [join(root, 'dist', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function autocannonLoad(url: string, options: { seconds: number; connections: number; rate?: number; headers?: Record<string, string> }): Promise<Run> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        headers: options.headers ?? {},
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      },
      (err, done) => (err ? reject(err) : resolve(done)),
    );
    // autocannon's own histogram has 1 ms resolution; sub-millisecond p99s need the raw response times.
    if (options.rate !== undefined) {
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    }
  });
  latencies.sort((x, y) => x - y);
  const p99 = latencies.length === 0 ? NaN : (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] as number);
  return { rps: result.requests.average, mbps: result.throughput.average / 1e6, p99Ms: p99, non2xx: result.non2xx + result.errors };
}

async function main(): Promise<void> {
  const servicePort = await freePort();
  const httpsPort = await freePort();
  const baselinePort = await freePort();
  const httpsBaselinePort = await freePort();
  const pki = mkdtempSync(join(tmpdir(), 'r4-bench-tls-'));
  const ca = await createTestCa(pki);
  const certificate = await issueServerCertificate(ca, pki, 'r4-bench');
  writeFileSync(join(pki, 'tls.crt'), certificate.chain);
  writeFileSync(join(pki, 'tls.key'), certificate.key, { mode: 0o600 });
  // Limits far above what loopback can reach: the limiter code runs on every request but never refuses.
  const serviceEnv = {
    API_KEY: KEY,
    API_HOST: '127.0.0.1',
    RATE_LIMIT_RPS: '1000000000',
    RATE_LIMIT_BYTES_PER_S: '1000000000000',
    RATE_LIMIT_IP_RPS: '1000000000',
    STRICT_FIPS: '1',
    // The comparisons with bare Fastify are of one thread each; workers.ts compares worker counts.
    WORKERS: '1',
  };
  const service = start('service/main.js', { ...serviceEnv, PORT: String(servicePort) });
  const tlsFiles = { TLS_CERT_FILE: join(pki, 'tls.crt'), TLS_KEY_FILE: join(pki, 'tls.key') };
  const httpsService = start('service/main.js', { ...serviceEnv, ...tlsFiles, PORT: String(httpsPort) });
  const baseline = start('bench/service/baseline.js', { PORT: String(baselinePort) });
  const httpsBaseline = start('bench/service/baseline.js', { ...tlsFiles, PORT: String(httpsBaselinePort) });
  const stopAll = () => {
    service.kill('SIGTERM');
    httpsService.kill('SIGTERM');
    baseline.kill('SIGTERM');
    httpsBaseline.kill('SIGTERM');
    rmSync(pki, { recursive: true, force: true });
  };
  process.on('exit', stopAll);
  try {
    const headers = { 'x-api-key': KEY };
    const s = `http://127.0.0.1:${servicePort}`;
    const t = `https://127.0.0.1:${httpsPort}`;
    const b = `http://127.0.0.1:${baselinePort}`;
    const u = `https://127.0.0.1:${httpsBaselinePort}`;
    await waitFor(`${s}/ready`);
    await waitFor(`${t}/ready`, ca.pem);
    await waitFor(`${b}/constant`);
    await waitFor(`${u}/constant`, ca.pem);
    const targets = {
      a: { url: `${s}/random?n=32&fmt=hex`, headers, connections: CONNECTIONS },
      b: { url: `${b}/constant`, headers: {}, connections: CONNECTIONS },
      c: { url: `${s}/random?n=1000000`, headers, connections: BYTES_CONNECTIONS },
      d: { url: `${b}/bytes`, headers: {}, connections: BYTES_CONNECTIONS },
      e: { url: `${b}/random?n=32&fmt=hex`, headers, connections: CONNECTIONS },
      f: { url: `${t}/random?n=32&fmt=hex`, headers, connections: CONNECTIONS },
      g: { url: `${t}/random?n=1000000`, headers, connections: BYTES_CONNECTIONS },
      h: { url: `${u}/constant`, headers: {}, connections: CONNECTIONS },
      i: { url: `${u}/bytes`, headers: {}, connections: BYTES_CONNECTIONS },
    };
    const useWrk = hasWrk();
    const peak = useWrk ? wrkPeak : autocannonLoad;
    const tool = useWrk ? 'wrk' : 'autocannon (wrk not installed: (c) and (d) then measure the client, not the server)';
    process.stdout.write(`peaks with ${tool}; warming up (${WARMUP_SECONDS} s per target)\n`);
    for (const target of Object.values(targets)) await peak(target.url, { ...target, seconds: WARMUP_SECONDS });

    const peaks: Record<keyof typeof targets, Run[]> = { a: [], b: [], c: [], d: [], e: [], f: [], g: [], h: [], i: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] as const) {
        const run = await peak(targets[name].url, { ...targets[name], seconds: PEAK_SECONDS });
        if (run.non2xx > 0) throw new Error(`(${name}) answered ${run.non2xx} non-2xx responses or errors: the comparison is void`);
        peaks[name].push(run);
        process.stdout.write(`round ${round} (${name}): ${fmt(run.rps)} req/s, ${fmt(run.mbps)} MB/s\n`);
      }
    }
    const rps = (name: keyof typeof targets) => median(peaks[name].map((run) => run.rps));
    const mbps = (name: keyof typeof targets) => median(peaks[name].map((run) => run.mbps));

    const rate = Math.max(1, Math.round(rps('a') / 2));
    process.stdout.write(`fixed rate ${fmt(rate)} req/s for ${FIXED_RATE_SECONDS} s each\n`);
    const fixedA = await autocannonLoad(targets.a.url, { ...targets.a, seconds: FIXED_RATE_SECONDS, rate });
    const fixedB = await autocannonLoad(targets.b.url, { ...targets.b, seconds: FIXED_RATE_SECONDS, rate });
    const fixedE = await autocannonLoad(targets.e.url, { ...targets.e, seconds: FIXED_RATE_SECONDS, rate });
    if (fixedA.non2xx + fixedB.non2xx + fixedE.non2xx > 0) throw new Error('non-2xx responses during the fixed-rate phase: the comparison is void');

    const lines = [
      '',
      'what each side does per request:',
      '  service (a, c): per-IP limit, API key, query check, per-key request and byte limits, mode, bytes from the',
      '    sealed core (wiped after the write), metrics, one JSON access line (to /dev/null; formatted and written all the same)',
      '  bare Fastify (b, d), the ceiling: no logger, no hooks, no checks; (d) generates its bytes in-process (randomBytes)',
      "  bare Fastify (e): (a)'s request and answer shape (query, key header, the same headers), none of the work",
      `r4 service benchmark (loopback; peaks: ${useWrk ? 'wrk' : 'autocannon'}, median of ${ROUNDS} rounds; fixed rate: autocannon)`,
      `(a) /random?n=32&fmt=hex + key      ${fmt(rps('a')).padStart(10)} req/s`,
      `(b) bare Fastify constant 64 chars  ${fmt(rps('b')).padStart(10)} req/s`,
      `    a/b = ${fmt(rps('a') / rps('b'), 3)}   (goal >= 0.85)`,
      `(c) /random?n=1000000 raw           ${fmt(mbps('c')).padStart(10)} MB/s`,
      `(d) bare Fastify randomBytes(1e6)   ${fmt(mbps('d')).padStart(10)} MB/s`,
      `    c/d = ${fmt(mbps('c') / mbps('d'), 3)}   (goal >= 0.9)`,
      `p99 at ${fmt(rate)} req/s (half of (a)'s peak): (a) ${fmt(fixedA.p99Ms, 3)} ms, (b) ${fmt(fixedB.p99Ms, 3)} ms`,
      `    p99 a/b = ${fmt(fixedA.p99Ms / fixedB.p99Ms, 3)}   (goal <= 1.2)`,
      'the gap split: the request and answer shape alone, then the service\'s work',
      `(e) bare Fastify, (a)'s shape       ${fmt(rps('e')).padStart(10)} req/s   e/b = ${fmt(rps('e') / rps('b'), 3)}   a/e = ${fmt(rps('a') / rps('e'), 3)}`,
      `    p99 (e) ${fmt(fixedE.p99Ms, 3)} ms   p99 e/b = ${fmt(fixedE.p99Ms / fixedB.p99Ms, 3)}   p99 a/e = ${fmt(fixedA.p99Ms / fixedE.p99Ms, 3)}`,
      `what TLS costs: the same service over HTTPS (HTTP/1.1; ${await negotiated(t, ca.pem)}), connections kept alive`,
      `(f) https (a)                       ${fmt(rps('f')).padStart(10)} req/s   f/a = ${fmt(rps('f') / rps('a'), 3)}   (goal >= 0.8)`,
      `(g) https (c)                       ${fmt(mbps('g')).padStart(10)} MB/s    g/c = ${fmt(mbps('g') / mbps('c'), 3)}   (goal >= 0.9)`,
      'for scale, what TLS costs bare Fastify itself on this machine (its plain answers are cheaper, so it loses more):',
      `(h) https (b)                       ${fmt(rps('h')).padStart(10)} req/s   h/b = ${fmt(rps('h') / rps('b'), 3)}`,
      `(i) https (d)                       ${fmt(mbps('i')).padStart(10)} MB/s    i/d = ${fmt(mbps('i') / mbps('d'), 3)}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    stopAll();
  }
  process.stdout.write(`${(await workersBench()).join('\n')}\n`);
  process.stdout.write(`${(await coreSharingBench(readCpuBudget())).join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:service failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
