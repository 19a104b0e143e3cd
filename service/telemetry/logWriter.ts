import { writeSync } from 'node:fs';
import { JsonLine } from './jsonLine.js';

/** How long to wait before writing again to a full non-blocking pipe (EAGAIN), as sonic-boom does. */
const FULL_PIPE_WAIT_MS = 1;
/** What that wait blocks on: a word nobody ever changes, so Atomics.wait sleeps for its timeout. */
const NEVER_SIGNALLED = new Int32Array(new SharedArrayBuffer(4));

/**
 * The process's log destination (pino's stream): lines are gathered, as UTF-8, in one buffer written out in
 * batches of `batchBytes` or more, synchronously. Batches, because at thousands of requests per second a
 * write() per line costs more than the rest of the logging; synchronously, because handing each batch to
 * libuv's thread pool cost more (thread wake-ups, futexes) than the write() itself, measured ~5 µs per request
 * at 25k req/s. It replaces pino's sonic-boom, which re-measures and re-encodes its pending text on every line
 * and every write: that made logging a small request cost more than serving it. The access log encodes its
 * lines straight into the batch (`pending`). A line waits at most `maxDelayMs` for its batch. A closed
 * reader (EPIPE) ends logging quietly, as pino does; other write errors are thrown.
 */
export class BatchedLogWriter {
  private readonly batch: JsonLine;
  private closed = false;
  private flushTimer: NodeJS.Timeout | undefined;

  /**
   * maxDelayMs: the longest a line waits for its batch to fill; a quiet service still logs promptly.
   * atomicBytes: each write() carries whole lines and at most this many bytes (PIPE_BUF), so that several
   * threads writing to one pipe never interleave inside a line; a longer line is written alone.
   */
  constructor(
    private readonly fd: number,
    private readonly batchBytes: number,
    private readonly maxDelayMs = 100,
    private readonly atomicBytes = Infinity,
  ) {
    // Room for a whole batch and a line, so that the buffer rarely has to grow.
    this.batch = new JsonLine(2 * batchBytes);
  }

  /** A line of text, as pino writes it. */
  write(line: string): void {
    this.batch.json(line);
    this.lineDone();
  }

  /** The batch, for a line to be encoded straight into it; `lineDone()` follows each such line. */
  get pending(): JsonLine {
    return this.batch;
  }

  lineDone(): void {
    if (this.batch.length >= this.batchBytes) this.flushSync();
    // One timer at a time, armed by the first line after it fired: cheap under load, prompt when quiet.
    else if (this.flushTimer === undefined) this.flushTimer = setTimeout(this.timedFlush, this.maxDelayMs).unref();
  }

  private readonly timedFlush = (): void => {
    this.flushTimer = undefined;
    this.flushSync();
  };

  /** What pino's `logger.flush(cb)` calls. */
  flush(cb: (err?: Error) => void): void {
    try {
      this.flushSync();
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb();
  }

  /** What pino calls after a fatal line; the process calls it on exit, so no line is lost. */
  flushSync(): void {
    const length = this.batch.length;
    if (length === 0) return;
    try {
      if (length <= this.atomicBytes) this.writeAll(this.batch.bytes.subarray(0, length));
      else this.writeLines(this.batch.bytes.subarray(0, length));
    } finally {
      this.batch.reset();
    }
  }

  /** In pieces of whole lines, each at most atomicBytes long unless one line is longer. */
  private writeLines(bytes: Buffer): void {
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.length;
      if (end - start > this.atomicBytes) {
        end = bytes.lastIndexOf(0x0a, start + this.atomicBytes - 1) + 1;
        if (end <= start) end = bytes.indexOf(0x0a, start) + 1 || bytes.length;
      }
      this.writeAll(bytes.subarray(start, end));
      start = end;
    }
  }

  private writeAll(bytes: Buffer): void {
    const length = bytes.length;
    let offset = 0;
    while (offset < length && !this.closed) {
      try {
        offset += writeSync(this.fd, bytes, offset, length - offset);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') this.closed = true;
        else if (code === 'EAGAIN') Atomics.wait(NEVER_SIGNALLED, 0, 0, FULL_PIPE_WAIT_MS);
        else throw err;
      }
    }
  }
}
