// Runs one battery's command on a stream of bytes (the real core's output, or the negative control's) and
// keeps its output; or on a file. The imperative shell of the proof: processes, pipes, back-pressure.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { weakBytes } from './weak-generator.js';

export type Source = { readonly kind: 'core'; readonly path: string } | { readonly kind: 'control' };

export interface RunOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Bytes handed to the tool's stdin (it may have left the last buffer unread). */
  readonly bytes: number;
  readonly seconds: number;
  readonly output: string;
}

/** Runs `command`, feeding it `source` on stdin (exactly `limit` bytes when given), logging to `logPath`. */
export async function runOnStream(command: readonly string[], source: Source, limit: number | undefined,
  logPath: string): Promise<RunOutcome> {
  const started = process.hrtime.bigint();
  const tool = spawn(command[0] ?? '', command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const collected = collect(tool.stdout, tool.stderr, logPath);
  const toolDone = once(tool, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let toolExited = false;
  void toolDone.then(() => { toolExited = true; });
  tool.stdin.on('error', () => undefined); // EPIPE: the tool read what it needed and left

  let bytes = 0;
  if (source.kind === 'core') {
    const args = limit === undefined ? [] : ['-n', String(limit)];
    const core = spawn(source.path, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const coreDone = once(core, 'exit');
    core.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!tool.stdin.write(chunk)) {
        core.stdout.pause();
        tool.stdin.once('drain', () => core.stdout.resume());
      }
    });
    core.stdout.on('end', () => tool.stdin.end());
    await toolDone;
    // The tool has what it needs: drop the rest (a paused pipe would never end) and stop the core.
    core.stdout.destroy();
    if (core.exitCode === null && core.signalCode === null) core.kill('SIGTERM');
    await coreDone;
  } else {
    const block = weakBytes(1 << 16); // a whole number of the control's 256-byte periods
    let left = limit ?? Number.POSITIVE_INFINITY;
    while (!toolExited && left > 0 && !tool.stdin.destroyed) {
      const chunk = left >= block.length ? block : block.subarray(0, left);
      left -= chunk.length;
      bytes += chunk.length;
      if (!tool.stdin.write(chunk))
        await new Promise<void>((done) => {
          const settle = (): void => {
            tool.stdin.off('drain', settle);
            tool.stdin.off('close', settle);
            done();
          };
          tool.stdin.on('drain', settle);
          tool.stdin.on('close', settle);
        });
    }
    tool.stdin.end();
    await toolDone;
  }
  const [exitCode, signal] = await toolDone;
  const output = await collected;
  return { exitCode, signal, bytes, seconds: elapsed(started), output };
}

/** Runs `command` without stdin (file-fed tools), logging to `logPath`. */
export async function runOnFile(command: readonly string[], logPath: string): Promise<RunOutcome> {
  const started = process.hrtime.bigint();
  const tool = spawn(command[0] ?? '', command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const collected = collect(tool.stdout, tool.stderr, logPath);
  const [exitCode, signal] = (await once(tool, 'close')) as [number | null, NodeJS.Signals | null];
  return { exitCode, signal, bytes: 0, seconds: elapsed(started), output: await collected };
}

/** Runs a program to completion, its stdout into `out`; rejects when it fails. */
export async function runToFile(command: readonly string[], out: Writable): Promise<void> {
  const child = spawn(command[0] ?? '', command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(out, { end: false });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${command.join(' ')} exited with ${String(code)}`);
}

async function collect(stdout: Readable, stderr: Readable, logPath: string): Promise<string> {
  const log = createWriteStream(logPath);
  const parts: Buffer[] = [];
  const take = (chunk: Buffer): void => {
    parts.push(chunk);
    log.write(chunk);
  };
  stdout.on('data', take);
  stderr.on('data', take);
  await Promise.all([once(stdout, 'end'), once(stderr, 'end')]);
  log.end();
  await once(log, 'finish');
  return Buffer.concat(parts).toString('utf8');
}

function elapsed(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
