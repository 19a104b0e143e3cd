import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedLogWriter } from './logWriter.js';

describe('BatchedLogWriter', () => {
  let dir: string;
  let path: string;
  let fd: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'r4-log-writer-'));
    path = join(dir, 'log');
    fd = openSync(path, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const written = () => readFileSync(path, 'utf8');

  it('writes lines in order, once a batch is full', () => {
    const writer = new BatchedLogWriter(fd, 16);
    writer.write('one\n');
    writer.write('two\n');
    expect(written()).toBe('');
    writer.write('three\n');
    writer.write('four\n');
    expect(written()).toBe('one\ntwo\nthree\nfour\n');
    writer.write('five\n');
    writer.flushSync();
    expect(written()).toBe('one\ntwo\nthree\nfour\nfive\n');
  });

  it('writes a lone line within its maximum delay, without waiting for the batch to fill', async () => {
    const writer = new BatchedLogWriter(fd, 4096, 20);
    writer.write('quiet\n');
    expect(written()).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written()).toBe('quiet\n');
  });

  it('keeps multi-byte characters whole', () => {
    const writer = new BatchedLogWriter(fd, 8);
    for (const line of ['é\n', '€€€€\n', '😀 ok\n']) writer.write(line);
    writer.flushSync();
    expect(written()).toBe('é\n€€€€\n😀 ok\n');
  });

  it('takes lines encoded straight into its batch, in order with the others', () => {
    const writer = new BatchedLogWriter(fd, 64);
    writer.write('one\n');
    writer.pending.raw(Buffer.from('{"n":')).number(2).raw(Buffer.from('}\n'));
    writer.lineDone();
    writer.write('three\n');
    writer.pending.string('y'.repeat(200)).raw(Buffer.from('\n'));
    writer.lineDone();
    expect(written()).toBe(`one\n{"n":2}\nthree\n"${'y'.repeat(200)}"\n`);
  });

  it('writes a line larger than its buffer', () => {
    const writer = new BatchedLogWriter(fd, 8);
    writer.write('a\n');
    const long = `${'x'.repeat(100)}\n`;
    writer.write(long);
    expect(written()).toBe(`a\n${long}`);
  });

  it('writes what is pending before calling back from flush', () => {
    const writer = new BatchedLogWriter(fd, 4096);
    writer.write('pending\n');
    let seen = '';
    writer.flush(() => (seen = written()));
    expect(seen).toBe('pending\n');
  });

  it('reports a write error to flush', () => {
    const writer = new BatchedLogWriter(-1, 4096);
    writer.write('lost\n');
    let error: Error | undefined;
    writer.flush((err) => (error = err));
    expect((error as NodeJS.ErrnoException | undefined)?.code).toMatch(/^E/);
  });
});
