// The harness's log files: lines written with a timestamp, and the last lines read back for error
// messages and failing tests.
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A log function that appends each line, timestamped, to the file at `path`. */
export function logTo(path: string): (line: string) => void {
  return (line) => appendFileSync(path, `${new Date().toISOString()} ${line}\n`);
}

export function tailOfFile(path: string, lines = 20, maxBytes = 16384): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return `(no log at ${path})`;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}
