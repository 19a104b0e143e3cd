// Starts the cluster's local processes (components and pod containers) so that none can outlive us:
// each runs under `setpriv --pdeathsig KILL`, so the kernel kills it if the process that started it dies
// (even by SIGKILL), and in its own process group, so stopping it also stops anything it forked.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { once } from 'node:events';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LocalProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited, however that happened. */
  exited: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs: number): Promise<ProcessExit>;
}

export interface StartOptions {
  name: string;
  argv: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

// Every live process this module started, so a test can check that teardown stopped them all.
const live = new Set<number>();

export function startLocalProcess(options: StartOptions): LocalProcess {
  const [program, ...args] = options.argv;
  if (!program) throw new Error(`cannot start ${options.name}: empty command`);
  const log = openSync(options.logFile, 'a');
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', program, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${options.name} (${program}): spawn gave no pid`);
  live.add(pid);
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(pid);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const stop = async (graceMs: number): Promise<ProcessExit> => {
    if (!live.has(pid)) return exited;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    const exit = await exited;
    clearTimeout(timer);
    // Anything the process forked into its group goes with it.
    signalGroup('SIGKILL');
    return exit;
  };
  return { name: options.name, pid, logFile: options.logFile, exited, stop };
}

export function liveLocalProcessIds(): number[] {
  return [...live];
}
