import { spawn } from 'node:child_process';
import type { Selftest } from '../../contracts/version-document.js';
import { describeCoreExit } from './coreReport.js';

export interface SelftestReport {
  selftest: Selftest;
  detail: string;
}

/** What running `re4_dump --selftest` produced, as plain data. */
export interface SelftestRun {
  spawnError: string | null;
  timedOut: boolean;
  timeoutMs: number;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** No answer in time is `degraded` (the core may be fine but starved); any explicit failure is `fail`. */
export function selftestVerdict(run: SelftestRun): SelftestReport {
  if (run.spawnError !== null) return { selftest: 'fail', detail: `self-test could not run: ${run.spawnError}` };
  if (run.timedOut) return { selftest: 'degraded', detail: `self-test gave no answer within ${run.timeoutMs} ms` };
  if (run.exitCode !== 0) return { selftest: 'fail', detail: `self-test failed: ${describeCoreExit(run.stderr, run.exitCode, run.signal)}` };
  const answer = parseAnswer(run.stdout);
  if (answer === null) return { selftest: 'fail', detail: 'self-test exited 0 without a JSON answer' };
  if (answer.selftest !== 'pass') return { selftest: 'fail', detail: `self-test answered ${JSON.stringify(answer.selftest ?? null)}` };
  const tests = Array.isArray(answer.tests) ? answer.tests.length : 0;
  const vectors = typeof answer.vectors === 'number' ? answer.vectors : 0;
  return { selftest: 'pass', detail: `${tests} tests passed (${vectors} CAVP vectors)` };
}

function parseAnswer(stdout: string): { selftest?: unknown; tests?: unknown; vectors?: unknown } | null {
  try {
    const parsed: unknown = JSON.parse(stdout.trim());
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The answer is one JSON line; anything beyond this is not a self-test answer and is not buffered. */
const OUTPUT_LIMIT = 64 * 1024;

/** Runs `<core> --selftest`, killing it if it has not answered within `timeoutMs` or when `abort` fires. */
export function runSelftest(corePath: string, timeoutMs: number, env: NodeJS.ProcessEnv, abort: AbortSignal): Promise<SelftestReport> {
  return new Promise((resolvePromise) => {
    const run: SelftestRun = { spawnError: null, timedOut: false, timeoutMs, exitCode: null, signal: null, stdout: '', stderr: '' };
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort.removeEventListener('abort', onAbort);
      resolvePromise(selftestVerdict(run));
    };
    const child = spawn(corePath, ['--selftest'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (run[stream].length < OUTPUT_LIMIT) run[stream] += chunk.toString('utf8', 0, OUTPUT_LIMIT - run[stream].length);
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    // SIGKILL: a core that hangs may also ignore gentler signals. Its pipes are dropped at once so a
    // descendant holding them cannot delay the verdict.
    const stop = () => {
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const timer = setTimeout(() => {
      run.timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = () => {
      run.spawnError = 'the service is stopping';
      stop();
    };
    abort.addEventListener('abort', onAbort);
    child.on('error', (err: NodeJS.ErrnoException) => {
      run.spawnError = err.code ?? err.message;
      settle();
    });
    // 'exit' settles a killed run; 'close' (all output read) settles a normal one.
    child.on('exit', (code, signal) => {
      run.exitCode = code;
      run.signal = signal;
      if (run.timedOut || run.spawnError !== null) settle();
    });
    child.on('close', settle);
  });
}
