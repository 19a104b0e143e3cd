import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuBudget } from '../../service/workers/cpuBudget.js';
import { fmt, freePort, median, waitFor, wrkPeak } from '../load.js';

/**
 * The service on every core (issue 17), in `npm run bench:service`: one worker against WORKERS workers, for
 * /random?n=32&fmt=hex (requests per second) and /random?n=1000000 (MB/s), with wrk pinned to CPU 0 and the
 * service to the others, so the load generator never takes the service's CPU. With two CPUs that leaves the
 * service one, where more workers cannot help; the run then also measures 1 against 2 workers unpinned (the
 * service sharing CPU 0 with wrk), and says which figures mean what.
 */
const ROUNDS = 2;
const PEAK_SECONDS = 5;
/** Enough connections that SO_REUSEPORT's hash of their 4-tuples spreads them over every worker. */
const SMALL_CONNECTIONS = 32;
const BYTES_CONNECTIONS = 8;
const KEY = 'bench-key-0123456789abcdef0123456789';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Setup {
  label: string;
  workers: number;
  /** taskset CPU list of the service; undefined: any CPU, wrk's included. */
  serviceCpus: string | undefined;
}

interface Figures {
  rps: number;
  mbps: number;
}

async function measure(setup: Setup, wrkCpus: string): Promise<Figures> {
  const port = await freePort();
  const env = {
    ...process.env,
    API_KEY: KEY,
    API_HOST: '127.0.0.1',
    PORT: String(port),
    WORKERS: String(setup.workers),
    RATE_LIMIT_RPS: '1000000000',
    RATE_LIMIT_BYTES_PER_S: '1000000000000',
    RATE_LIMIT_IP_RPS: '1000000000',
    LOG_LEVEL: 'warn',
  };
  const main = join(root, 'dist', 'service', 'main.js');
  const command = setup.serviceCpus === undefined ? [process.execPath, main] : ['taskset', '-c', setup.serviceCpus, process.execPath, main];
  const service: ChildProcess = spawn(command[0] as string, command.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(service, 'exit');
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/ready`);
    const headers = { 'x-api-key': KEY };
    const small = { headers, connections: SMALL_CONNECTIONS, cpus: wrkCpus };
    const bytes = { headers, connections: BYTES_CONNECTIONS, cpus: wrkCpus };
    await wrkPeak(`${url}/random?n=32&fmt=hex`, { ...small, seconds: 2 });
    const rps: number[] = [];
    const mbps: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const a = await wrkPeak(`${url}/random?n=32&fmt=hex`, { ...small, seconds: PEAK_SECONDS });
      const c = await wrkPeak(`${url}/random?n=1000000`, { ...bytes, seconds: PEAK_SECONDS });
      if (a.non2xx + c.non2xx > 0) throw new Error(`${setup.label}: ${a.non2xx + c.non2xx} non-2xx answers or errors; the comparison is void`);
      rps.push(a.rps);
      mbps.push(c.mbps);
      process.stdout.write(`workers ${setup.label}, round ${round + 1}: ${fmt(a.rps)} req/s, ${fmt(c.mbps)} MB/s\n`);
    }
    return { rps: median(rps), mbps: median(mbps) };
  } finally {
    service.kill('SIGTERM');
    await exited;
  }
}

/** Runs the comparison and returns the lines of its summary. */
export async function workersBench(): Promise<string[]> {
  const allowed = readCpuBudget();
  const cpus = availableParallelism();
  const rest = cpus > 2 ? `1-${cpus - 1}` : cpus === 2 ? '1' : '0';
  const pinnedWorkers = Math.max(1, Math.min(allowed, cpus) - 1);
  const setups: Setup[] = [{ label: `1 (pinned to CPU ${rest})`, workers: 1, serviceCpus: rest }];
  if (pinnedWorkers > 1) setups.push({ label: `${pinnedWorkers} (pinned to CPU ${rest})`, workers: pinnedWorkers, serviceCpus: rest });
  else {
    setups.push({ label: '1 (unpinned, shares CPU 0 with wrk)', workers: 1, serviceCpus: undefined });
    setups.push({ label: `${allowed} (unpinned, shares CPU 0 with wrk)`, workers: allowed, serviceCpus: undefined });
  }
  process.stdout.write(`workers: ${allowed} CPUs allowed (affinity ${cpus}, capped by the cgroup quota); wrk pinned to CPU 0\n`);
  const results: [Setup, Figures][] = [];
  for (const setup of setups) results.push([setup, await measure(setup, '0')]);
  const lines = [
    '',
    `the service on every core: 1 worker vs WORKERS (CPUs allowed: ${allowed}; wrk pinned to CPU 0; the better of ${ROUNDS} rounds of ${PEAK_SECONDS} s, the machine being shared)`,
    ...results.map(([setup, figures], i) => {
      // Each many-worker row against the one-worker row measured just before it, pinned alike.
      const [, one] = results[i - 1] ?? [setup, figures];
      const ratio = setup.workers === 1 ? '' : `   x${fmt(figures.rps / one.rps, 2)} req/s, x${fmt(figures.mbps / one.mbps, 2)} MB/s vs 1 worker`;
      return `  WORKERS=${setup.label.padEnd(40)} ${fmt(figures.rps).padStart(8)} req/s (n=32 hex)  ${fmt(figures.mbps).padStart(6)} MB/s (n=1e6)${ratio}`;
    }),
  ];
  if (pinnedWorkers === 1) {
    lines.push(
      '  what this machine can show: with 2 CPUs and wrk on one, the service has one CPU, so WORKERS > 1 only adds',
      '  threads that take turns on it; the unpinned pair shows the cost and the reach of a second worker when it',
      '  must share its CPU with the load generator, not how workers scale. Scaling needs free CPUs: on a 16-core',
      '  node, a pod allowed N CPUs runs N workers, each with its own core process and no shared lock on the hot',
      '  path except the rate-limit table (a few hundred nanoseconds per request), so the 1-worker figure above',
      '  times N (less the kernel\'s loopback and the core processes\' own CPU) is what to expect.',
    );
  }
  return lines;
}
