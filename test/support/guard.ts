// A guard: a small `sh` process that outlives a crashed test and cleans up after it. It reads a pipe from
// this process; at end-of-file (however this process ended) its script does the cleanup, unless it was
// told `disarm` first. Signal handlers cannot do this under jest: test code gets a copy of `process`, so
// its handlers never see the real signals or exit.
import { spawn } from 'node:child_process';

export interface Guard {
  /** Sends one line to the guard's script (e.g. `track <pgid>`). */
  tell(line: string): void;
  /** Sends a last line and closes the pipe: the script decides what that means (`disarm`, `done`). */
  end(line: string): void;
}

/** Starts `script` under `sh -c` with `args` as $1..; `name` is its $0 (what `ps` shows). */
export function startGuard(name: string, script: string, args: readonly string[], cwd?: string): Guard {
  const guard = spawn('sh', ['-c', script, name, ...args], {
    // Its own process group: a Ctrl-C meant for the owner does not reach it.
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    ...(cwd && { cwd }),
  });
  guard.unref();
  // The open pipe must not keep the owner alive either.
  (guard.stdin as unknown as { unref(): void }).unref();
  // A guard that died early (or never started) cannot clean up anymore; writing to it must not crash the test.
  let lost: string | undefined;
  const lose = (error: Error) => {
    if (lost === undefined) {
      lost = error.message;
      process.stderr.write(`r4 test guard ${name}: lost (${lost}); what it guards must be cleaned up by hand if this process dies\n`);
    }
  };
  guard.on('error', lose);
  guard.stdin.on('error', lose);
  return {
    tell: (line) => void (lost === undefined && guard.stdin.write(`${line}\n`)),
    end: (line) => void (lost === undefined && guard.stdin.end(`${line}\n`)),
  };
}
