// Runs the built entropy core as a child process and collects what it prints. Tests only.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const nativeDir = path.join(repoRoot, 'native');

/** The builds `make -C native` produces; the release and the sanitized one must behave identically. */
export const builds = {
  release: path.join(nativeDir, 'build/re4_dump'),
  asan: path.join(nativeDir, 'build/asan/re4_dump'),
  testHooks: path.join(nativeDir, 'build/test-hooks/re4_dump'),
} as const;

export interface CoreRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Close our end of stdout after this many bytes (the core must then exit quietly). */
  closeAfterBytes?: number;
}

export function runCore(binary: string, args: string[], options: RunOptions = {}): Promise<CoreRun> {
  const { env = {}, timeoutMs = 30_000, closeAfterBytes } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(binary)} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (closeAfterBytes !== undefined && outBytes >= closeAfterBytes) return;
      out.push(chunk);
      outBytes += chunk.length;
      if (closeAfterBytes !== undefined && outBytes >= closeAfterBytes) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** Parses the one JSON line a core prints on stderr when it enters its error state. */
export function errorLine(stderr: string): { error: string; test: string; detail: string; exit_code: number } {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string);
}
