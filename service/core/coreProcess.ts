import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { BytePool } from './bytePool.js';
import { describeCoreExit, parseCoreError, parseStatusLine, type CoreError, type CoreStatus } from './coreReport.js';

export interface CoreExit {
  code: number | null;
  signal: string | null;
  reason: string;
  /** The core's own JSON error line, when it wrote one. */
  error: CoreError | null;
  ranForMs: number;
}

export interface CoreHandlers {
  onStatus(status: CoreStatus): void;
  /** Called once, when the process is gone and its last words (stderr) have been read. */
  onExit(exit: CoreExit): void;
}

export interface CoreLaunch {
  path: string;
  predictionResistance: boolean;
  env: NodeJS.ProcessEnv;
  poolBytes: number;
  readyTimeoutMs: number;
  /** Where the socket carrying the core's stdout is set up, inside the private directory. */
  socketPath: string;
}

/** The core prints one JSON line on failure; a sanitizer report can be longer, and this is plenty for both. */
const STDERR_LIMIT = 64 * 1024;
/** A status line is ~200 bytes; a longer unterminated line is not a status line. */
const STATUS_LINE_LIMIT = 4096;
/** Time for the core's stderr and status pipes to reach end-of-file once it has exited. */
const LAST_WORDS_MS = 1_000;
const STOP_GRACE_MS = 2_000;

/**
 * One run of `re4_dump --status-fd 3`. Its stdout is a Unix socket whose other end this process reads with
 * `onread` straight into the pool's ring: one read per ~200 KiB and no buffer allocated per read, about
 * 2.4 times less CPU per byte than a piped stdout's 64 KiB 'data' chunks. When the pool is full the socket
 * pauses, so the core blocks in write() rather than buffering secrets here. fd 3 carries status lines,
 * stderr the reason for failing. The pool is failed the moment the process exits.
 */
export class CoreProcess {
  readonly pool: BytePool;
  /** Resolves at the core's `ready` status line; rejects if it exits or stays silent first. */
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private readonly output: Socket;
  private readonly startedAt = Date.now();
  private killReason: string | null = null;
  private exited = false;

  /** Sets up the output socket, then starts the core with the accepted end as its stdout. */
  static async start(launch: CoreLaunch, handlers: CoreHandlers): Promise<CoreProcess> {
    // The socket lives in the private directory (mode 0700): only this user, who could ptrace this process
    // anyway, or root can reach it. A stale one from a crashed run is replaced.
    rmSync(launch.socketPath, { force: true });
    const server = createServer();
    server.listen(launch.socketPath);
    await once(server, 'listening');
    try {
      // The reader is bound late: the pool exists before the socket, which asks it for a buffer on connect.
      let output: Socket | null = null;
      const pool = new BytePool(launch.poolBytes, () => output?.resume());
      const socket = connect({
        path: launch.socketPath,
        onread: { buffer: () => pool.writable(), callback: (n: number, buffer: Uint8Array) => pool.commit(buffer as Buffer, n) },
      });
      output = socket;
      const failed = once(socket, 'error').then(([err]: unknown[]) => Promise.reject(err as Error));
      failed.catch(() => undefined); // a later error belongs to the running core: see the constructor
      const [accepted] = (await Promise.race([once(server, 'connection'), failed])) as [Socket];
      return new CoreProcess(launch, handlers, pool, socket, accepted);
    } finally {
      server.close(); // also removes the socket file
    }
  }

  private constructor(launch: CoreLaunch, handlers: CoreHandlers, pool: BytePool, output: Socket, accepted: Socket) {
    this.pool = pool;
    this.output = output;
    const args = ['--status-fd', '3', ...(launch.predictionResistance ? ['--prediction-resistance'] : [])];
    this.child = spawn(launch.path, args, { stdio: ['ignore', accepted, 'pipe', 'pipe'], env: launch.env });
    // The core holds its own copy of the accepted end; ours would only keep the connection open after it exits.
    accepted.destroy();
    // Both exist: spawn was asked for pipes on fds 2 and 3.
    const stderr = this.child.stderr as Readable;
    const status = this.child.stdio[3] as Readable;

    let markReady: () => void = () => undefined;
    let failReady: (err: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Awaited by the supervisor only while starting; later exits are reported through onExit instead.
    this.ready.catch(() => undefined);
    const readyTimer = setTimeout(() => {
      this.kill(`no ready status within ${launch.readyTimeoutMs} ms`);
    }, launch.readyTimeoutMs);

    // A reset or end of the output socket is the core's exit, which 'exit' below reports with its reason.
    output.on('error', () => undefined);

    let stderrText = '';
    stderr.on('data', (chunk: Buffer) => {
      if (stderrText.length < STDERR_LIMIT) stderrText += chunk.toString('utf8', 0, STDERR_LIMIT - stderrText.length);
    });

    let partial = '';
    status.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = (lines.pop() ?? '').slice(0, STATUS_LINE_LIMIT);
      for (const line of lines) {
        const parsed = parseStatusLine(line);
        if (parsed === null) continue;
        if (parsed.event === 'ready') {
          clearTimeout(readyTimer);
          markReady();
        }
        handlers.onStatus(parsed);
      }
    });

    let reported = false;
    const report = (exit: CoreExit) => {
      if (reported) return;
      reported = true;
      failReady(new Error(exit.reason));
      handlers.onExit(exit);
    };
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      // spawn() failed (the sealed copy vanished, a noexec mount): there is no process to wait for.
      const reason = `could not start: ${err.code ?? err.message}`;
      this.exited = true;
      clearTimeout(readyTimer);
      this.pool.fail(reason);
      output.destroy();
      report({ code: null, signal: null, reason, error: null, ranForMs: 0 });
    });
    this.child.on('exit', () => {
      this.exited = true;
      clearTimeout(readyTimer);
      // At once, before anything else can run: nothing the dead core left in the socket or pool is served.
      this.pool.fail('the entropy core exited');
      output.destroy();
      setTimeout(() => {
        stderr.destroy();
        status.destroy();
      }, LAST_WORDS_MS).unref();
    });
    this.child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      const described = describeCoreExit(stderrText, code, signal);
      const reason = this.killReason === null ? described : `${this.killReason} (${described})`;
      report({ code, signal, reason, error: parseCoreError(stderrText), ranForMs: Date.now() - this.startedAt });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Ends the core now (SIGKILL), recording why for the exit report. */
  kill(reason: string): void {
    if (this.exited) return;
    this.killReason ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Ends the core the way its contract allows: closing its stdout makes it exit 0 quietly. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.killReason ??= 'stopped by the service';
    this.pool.fail('the service is stopping');
    this.output.destroy();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }
}
