// Runs a program to completion and turns every way it can fail into one rejected Error that names the
// program and says why: not installed (with the hint where its package is listed), not executable, a
// non-zero exit (with its stderr), a signal, a timeout, or a stdin the program closed before reading all
// of it. Nothing becomes an unhandled 'error' event: a missing tool is a test failure, not a crash.
import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function runCommand(argv: readonly [string, ...string[]], options: CommandOptions = {}): Promise<CommandResult> {
  const [program, ...args] = argv;
  const what = argv.join(' ');
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${what}: ${message}`));
    };
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`no exit within ${timeoutMs} ms`);
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT'
          ? `exec of "${program}" failed: not installed or not on PATH (scripts/debian-tools.txt names the package that provides it; npm test installs it)`
          : `exec of "${program}" failed: ${error.message}`,
      ),
    );
    // EPIPE when the program exits (or never started) before reading its input: its exit says why.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      const err = Buffer.concat(stderr).toString('utf8');
      if (code === 0) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err });
        return;
      }
      fail(signal ? `killed by ${signal}` : `exit code ${code}${err.trim() ? `: ${err.trim()}` : ''}`);
    });
    child.stdin.end(options.input ?? '');
  });
}
