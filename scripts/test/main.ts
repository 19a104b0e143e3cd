// npm test [-- jest options | test paths]
//
// With no test paths, the whole suite runs in two jest processes at once, one per lane (lanes.ts): most of
// it waits on clusters, containers and sockets rather than on a CPU, so two lanes use this machine's two
// cores. Each lane's output is shown line by line under its name, and the failed tests, each with the start
// of its message, again at the end; `--json --outputFile=F` gives one report, the two lanes' merged. With
// test paths (or R4_TEST_LANES=1), one jest process runs exactly what is asked.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { laneOf, type Lane } from './lanes.js';
import { failureDigest, mergeReports, type JestReport } from './report.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const jest = [process.execPath, '--experimental-vm-modules', join(repo, 'node_modules/jest/bin/jest.js')];

function outputFileOf(args: readonly string[]): { file?: string; rest: string[] } {
  const rest: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--outputFile=')) file = arg.slice('--outputFile='.length);
    else if (arg === '--outputFile' && i + 1 < args.length) file = args[++i];
    else rest.push(arg);
  }
  return { ...(file === undefined ? {} : { file: resolve(file) }), rest };
}

function single(args: readonly string[]): Promise<number> {
  const child = spawn(jest[0] ?? 'node', [...jest.slice(1), ...args], { cwd: repo, stdio: 'inherit' });
  return new Promise((done) => child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

function testFiles(): string[] {
  const listed = spawnSync(jest[0] ?? 'node', [...jest.slice(1), '--listTests', '--json'], { cwd: repo, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`jest --listTests failed:\n${listed.stderr}`);
  return (JSON.parse(listed.stdout) as string[]).map((file) => relative(repo, file)).sort();
}

const children = new Set<ReturnType<typeof spawn>>();
// Stopped (CI's time limit, a terminal's Ctrl-C): the lanes stop too, and jest stops its workers and tests.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    process.exitCode = 1;
  });

function runLane(lane: Lane, files: readonly string[], args: readonly string[], report: string): Promise<number> {
  if (files.length === 0) return Promise.resolve(0);
  const laneArgs = [...args.filter((arg) => arg !== '--json'), '--json', `--outputFile=${report}`, '--runTestsByPath', ...files];
  const child = spawn(jest[0] ?? 'node', [...jest.slice(1), ...laneArgs], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  for (const stream of [child.stdout, child.stderr]) {
    const target = stream === child.stdout ? process.stdout : process.stderr;
    createInterface({ input: stream }).on('line', (line) => {
      // jest names every path it was given: the lane's whole file list, on one line.
      const shown = line.startsWith('Ran all test suites within paths') ? `Ran the lane's ${files.length} test files.` : line;
      target.write(`[${lane}] ${shown}\n`);
    });
  }
  return new Promise((done) => child.on('close', (code, signal) => {
    children.delete(child);
    done(code ?? (signal ? 1 : 0));
  }));
}

async function main(args: readonly string[]): Promise<number> {
  const { file, rest } = outputFileOf(args);
  const paths = rest.filter((arg) => !arg.startsWith('-'));
  if (paths.length > 0 || process.env.R4_TEST_LANES === '1') return single(args);

  const files = testFiles();
  const lanes: Lane[] = ['machine', 'private'];
  // Each lane writes its jest report (asked for or not): the digest of failures at the end is read from them.
  const dir = mkdtempSync(join(tmpdir(), 'r4-test-'));
  const reports = new Map(lanes.map((lane) => [lane, join(dir, `${lane}.json`)]));
  process.stderr.write(`r4 test: ${files.length} files in two lanes at once: ${lanes.map((lane) => `${lane} ${files.filter((f) => laneOf(f) === lane).length}`).join(', ')} (scripts/test/lanes.ts)\n`);
  const codes = await Promise.all(lanes.map((lane) => runLane(lane, files.filter((f) => laneOf(f) === lane), rest, reports.get(lane) as string)));
  const parts = lanes.flatMap((lane) => {
    try {
      return [JSON.parse(readFileSync(reports.get(lane) as string, 'utf8')) as JestReport];
    } catch {
      return [];
    }
  });
  rmSync(dir, { recursive: true, force: true });
  const merged = mergeReports(parts);
  if (file !== undefined && parts.length === lanes.length) writeFileSync(file, JSON.stringify(merged));
  const digest = failureDigest(merged, repo);
  if (digest !== '') process.stderr.write(`r4 test: what failed (the start of each message; the whole of it is above):\n${digest}\n`);
  const failed = lanes.filter((_, i) => codes[i] !== 0);
  process.stderr.write(failed.length === 0 ? 'r4 test: both lanes passed\n' : `r4 test: FAILED in the ${failed.join(' and ')} lane${failed.length > 1 ? 's' : ''}\n`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
