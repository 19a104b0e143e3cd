// npm run proof -- --quick|--standard|--full [--out DIR] [--jobs N]
// Streams the real release core (native/build/re4_dump, checked against native/build/manifest.json) into
// the batteries, and a deliberately weak generator into the quick subset (it must fail), and writes
// DIR/<first 12 hex of the core's SHA-256>/<level>/SUMMARY.md with the raw logs. Exit 0 on PASS, 1 when the
// core FAILs or the run is INVALID, 2 on bad usage. See proof/README.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, homedir, release, tmpdir, type as osType } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDieharder, parseEnt, parseNonIid, parsePractRand, parseRestart, parseRngtest, parseTestU01 } from './parse.js';
import { controlPlan, LEVELS, plan, type Battery, type Level, type ThirdParty, type ToolPaths } from './plan.js';
import { runOnFile, runOnStream, runToFile, type RunOutcome, type Source } from './stream.js';
import { indexEntryOf, renderIndex, renderSummary, runVerdict, type BatteryReport, type RunReport } from './summary.js';
import { decide, tail, worst, type TestResult } from './verdict.js';
import { WEAK_GENERATOR_DESCRIPTION } from './weak-generator.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const core = join(repo, 'native/build/re4_dump');
const diagnostic = join(repo, 'native/build/diag/re4_dump');

interface Args { readonly level: Level; readonly out: string; readonly jobs: number }

function parseArgs(argv: readonly string[]): Args | string {
  let level: Level | undefined;
  let out = join(repo, 'proof');
  let jobs = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const named = LEVELS.find((l) => a === `--${l}`);
    if (named !== undefined) {
      if (level !== undefined) return 'give one level only';
      level = named;
    } else if (a === '--out' && i + 1 < argv.length) {
      out = resolve(argv[++i] ?? '');
    } else if (a === '--jobs' && i + 1 < argv.length) {
      jobs = Number(argv[++i]);
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) return `--jobs takes a whole number from 1 to 64, not '${argv[i] ?? ''}'`;
    } else {
      return `unknown argument '${a}'`;
    }
  }
  return level === undefined ? 'give a level: --quick, --standard or --full' : { level, out, jobs };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The health tests' assumed min-entropy per sample, from its one source. */
function assumedMinEntropy(): number {
  const h = readFileSync(join(repo, 'native/src/health.h'), 'utf8');
  const millibits = /#define R4_NOISE_MIN_ENTROPY_MILLIBITS (\d+)/.exec(h)?.[1];
  if (millibits === undefined) throw new Error('native/src/health.h: R4_NOISE_MIN_ENTROPY_MILLIBITS not found');
  return Number(millibits) / 1000;
}

/** Builds (or finds) the third-party tools; what is absent is named with the reason. */
function thirdParty(): { paths: ToolPaths; absent: Map<ThirdParty, string> } {
  const out = execFileSync('sh', [join(repo, 'scripts/proof/tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const found = new Map<string, string>();
  const absent = new Map<ThirdParty, string>();
  for (const line of out.split('\n')) {
    const [name, dir, ...why] = line.split(' ');
    if (name === undefined || dir === undefined) continue;
    const tool: ThirdParty | undefined = name.startsWith('practrand') ? 'practrand'
      : name.startsWith('testu01') ? 'testu01' : name.startsWith('sp800-90b') ? 'sp800-90b' : undefined;
    if (dir === 'absent' && tool !== undefined) absent.set(tool, `${name}: ${why.join(' ')}`);
    else found.set(name, dir);
  }
  const pr = found.get('practrand-0.94');
  const harness = found.get('testu01-stdin');
  const sp = found.get('sp800-90b');
  if (harness === undefined && !absent.has('testu01')) absent.set('testu01', 'testu01-stdin: the harness was not built');
  return {
    paths: {
      ...(pr === undefined ? {} : { practrand: join(pr, 'RNG_test') }),
      ...(harness === undefined ? {} : { testu01: harness }),
      ...(sp === undefined ? {} : { nonIid: join(sp, 'cpp/ea_non_iid'), restart: join(sp, 'cpp/ea_restart') }),
    },
    absent,
  };
}

function debianVersion(pkg: string): string {
  try {
    return `${pkg} ${execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' })} (Debian)`;
  } catch {
    return `${pkg} (version unknown)`;
  }
}

const THIRD_PARTY_VERSION: Record<ThirdParty, string> = {
  practrand: 'PractRand 0.94 (MartyMacGyver/PractRand 6ae26d8)',
  testu01: 'TestU01 1.2.3 via scripts/proof/testu01-stdin.c',
  'sp800-90b': 'NIST SP800-90B_EntropyAssessment 68ed165',
};

function toolVersion(b: Battery): string {
  if (b.needs !== undefined) return THIRD_PARTY_VERSION[b.needs];
  return b.parser === 'rngtest' ? debianVersion('rng-tools5') : debianVersion(b.parser);
}

function shown(arg: string): string {
  const home = homedir();
  const short = arg.startsWith(repo + '/') ? relative(repo, arg) : arg.startsWith(home + '/') ? `~/${relative(home, arg)}` : arg;
  return /^[\w./~=,:+-]+$/.test(short) ? short : `'${short.replace(/'/g, `'\\''`)}'`;
}

function commandLine(parts: readonly string[]): string {
  return parts.map(shown).join(' ');
}

function parse(b: Battery, output: string): TestResult[] {
  switch (b.parser) {
    case 'rngtest': return parseRngtest(output);
    case 'ent': return parseEnt(output).map((r) => ({ ...r, twoSided: true }));
    case 'dieharder': return parseDieharder(output);
    case 'practrand': return parsePractRand(output);
    case 'testu01': return parseTestU01(output);
    default: return [];
  }
}

/** True when a battery's output says it ran to the end (so an empty list of results means "no anomalies"). */
function completed(b: Battery, o: RunOutcome): boolean {
  if (o.signal !== null) return false;
  switch (b.parser) {
    case 'rngtest': return /FIPS 140-2 successes/.test(o.output);
    case 'ent': return /^1,/m.test(o.output);
    case 'dieharder': return o.exitCode === 0 && parseDieharder(o.output).length > 0;
    case 'practrand': return /length= /.test(o.output);
    case 'testu01': return o.exitCode === 0 && /Summary results of/.test(o.output);
    default: return o.exitCode === 0;
  }
}

function formatWorst(results: readonly TestResult[], b: Battery): string {
  const w = worst(results);
  if (w.length === 0)
    return b.parser === 'practrand' ? 'no anomalies' : b.parser === 'testu01' ? 'all tests passed (none outside [0.001, 0.999])' : '-';
  return w.map((r) => `${r.name}: p = ${r.p === undefined ? '?' : r.p.toExponential(2)}${r.toolFailed ? ' (FAIL grade)' : ''}` +
    `${r.twoSided && (r.p ?? 0) > 0.5 ? ` (1 - ${(tail(r) ?? 0).toExponential(2)})` : ''}`).join('; ');
}

async function outputBattery(b: Battery, source: Source, dir: string, subject: 'core' | 'control'): Promise<BatteryReport> {
  const limit = b.input.kind === 'stream' ? b.input.bytes : undefined;
  const feeder = source.kind === 'core' ? commandLine([core, ...(limit === undefined ? [] : ['-n', String(limit)])])
    : `weak generator (scripts/proof/weak-generator.ts)${limit === undefined ? '' : ` -n ${limit}`}`;
  const command = `${feeder} | ${commandLine(b.command)}`;
  const prefix = subject === 'control' ? 'control-' : '';
  const runOnce = async (log: string): Promise<{ outcome: RunOutcome; results: TestResult[] }> => {
    process.stderr.write(`r4 proof: ${subject}: ${b.title} ...\n`);
    const outcome = await runOnStream(b.command, source, limit, join(dir, log));
    return { outcome, results: parse(b, outcome.output) };
  };
  const logs = [`${prefix}${b.id}.log`];
  const first = await runOnce(logs[0] ?? '');
  const base = { id: b.id, title: b.title, subject, command, toolVersion: toolVersion(b) };
  if (!completed(b, first.outcome) && first.results.length === 0)
    return { ...base, bytes: first.outcome.bytes, seconds: first.outcome.seconds, verdict: 'ERROR',
      reason: `did not complete (exit ${String(first.outcome.exitCode ?? first.outcome.signal)}); see the log`, worst: '-', logs };
  let decision = decide(first.results);
  let bytes = first.outcome.bytes;
  let seconds = first.outcome.seconds;
  let all = first.results;
  if (decision.rerun) {
    logs.push(`${prefix}${b.id}.rerun.log`);
    const again = await runOnce(logs[1] ?? '');
    decision = decide(first.results, again.results);
    bytes += again.outcome.bytes;
    seconds += again.outcome.seconds;
    all = [...first.results, ...again.results];
  }
  return { ...base, bytes, seconds, verdict: decision.verdict, reason: decision.reason, worst: formatWorst(all, b), logs };
}

async function collectRaw(binary: string, path: string, runs: number, samples: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < runs; i++) await runToFile([binary, '--raw-jitter', String(samples)], out);
  out.end();
  await once(out, 'finish');
}

async function sp800Battery(b: Battery, binary: string, dir: string, scratch: string, assumed: number,
  hI: { value?: number }): Promise<BatteryReport> {
  const input = b.input;
  const file = join(scratch, `${b.id}.bin`);
  const runs = input.kind === 'restarts' ? input.restarts : 1;
  const samples = input.kind === 'restarts' ? input.samples : input.kind === 'raw-jitter' ? input.samples : 0;
  const started = process.hrtime.bigint();
  process.stderr.write(`r4 proof: core: ${b.title} ...\n`);
  await collectRaw(binary, file, runs, samples);
  const base = { id: b.id, title: b.title, subject: 'core' as const, toolVersion: toolVersion(b), bytes: runs * samples, logs: [`${b.id}.log`] };
  if (b.parser === 'restart' && hI.value === undefined)
    return { ...base, command: commandLine(b.command), seconds: 0, verdict: 'SKIPPED', reason: 'no H_I: ea_non_iid did not run', worst: '-' };
  const argv = b.command.map((a) => (a === '{file}' ? file : a === '{h_i}' ? (hI.value ?? 0).toFixed(6) : a));
  const collect = runs === 1 ? `${commandLine([diagnostic, '--raw-jitter', String(samples)])} > ${basename(file)}`
    : `for i in $(seq ${runs}); do ${commandLine([diagnostic, '--raw-jitter', String(samples)])}; done > ${basename(file)}`;
  const outcome = await runOnFile(argv, join(dir, `${b.id}.log`));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const command = `${collect}; ${commandLine(argv).replace(shown(file), basename(file))}  # ${basename(file)} sha256 ${sha256(file)}`;
  if (b.parser === 'non-iid') {
    const h = parseNonIid(outcome.output);
    if (h === undefined) return { ...base, command, seconds, verdict: 'ERROR', reason: 'no estimate in the output', worst: '-' };
    hI.value = Math.min(assumed, h.min);
    const ok = h.min >= assumed;
    return { ...base, command, seconds, verdict: ok ? 'PASS' : 'FAIL',
      reason: `min-entropy ${h.min.toFixed(6)} bits/sample ${ok ? '>=' : '<'} ${assumed} assumed by the health tests`,
      worst: `H_original ${h.hOriginal?.toFixed(6) ?? '?'}; H_bitstring ${h.hBitstring?.toFixed(6) ?? '?'} (x 8 = ${((h.hBitstring ?? 0) * 8).toFixed(6)}); min ${h.min.toFixed(6)}` };
  }
  const r = parseRestart(outcome.output);
  if (r === undefined) return { ...base, command, seconds, verdict: 'ERROR', reason: 'no validation result in the output', worst: '-' };
  return { ...base, command, seconds, verdict: r.passed ? 'PASS' : 'FAIL', reason: `H_I = ${(hI.value ?? 0).toFixed(6)}: ${r.line}`, worst: r.line };
}

function skippedReport(b: Battery, subject: 'core' | 'control', why: string): BatteryReport {
  return { id: b.id, title: b.title, subject, command: commandLine(b.command), toolVersion: toolVersion(b), bytes: 0,
    seconds: 0, verdict: 'SKIPPED', reason: why, worst: '-', logs: [] };
}

function updateIndex(out: string): void {
  const readmePath = join(out, 'README.md');
  if (!existsSync(readmePath)) return;
  const entries = readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) =>
    readdirSync(join(out, d.name)).filter((level) => existsSync(join(out, d.name, level, 'SUMMARY.md'))).map((level) =>
      indexEntryOf(`${d.name}/${level}`, readFileSync(join(out, d.name, level, 'SUMMARY.md'), 'utf8'))));
  const readme = readFileSync(readmePath, 'utf8');
  const next = renderIndex(readme, entries);
  if (next !== readme) writeFileSync(readmePath, next);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`r4 proof: ${args}\nusage: npm run proof -- --quick|--standard|--full [--out DIR] [--jobs N]\n`);
    return 2;
  }
  execFileSync('make', ['-s', '-C', join(repo, 'native'), 'build/re4_dump', 'build/manifest.json', 'build/diag/re4_dump'], { stdio: ['ignore', 2, 2] });
  const coreSha256 = sha256(core);
  const manifest = JSON.parse(readFileSync(join(repo, 'native/build/manifest.json'), 'utf8')) as { core_sha256?: string };
  if (manifest.core_sha256 !== coreSha256) {
    process.stderr.write(`r4 proof: native/build/re4_dump (${coreSha256}) is not the core of native/build/manifest.json (${String(manifest.core_sha256)})\n`);
    return 1;
  }
  const { paths, absent } = thirdParty();
  const dir = join(args.out, coreSha256.slice(0, 12), args.level);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'r4-proof-'));
  // Interrupted (a long run stopped by hand): the raw samples go; the tools see their stdin close and end.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      rmSync(scratch, { recursive: true, force: true });
      process.exit(1);
    });
  // The batteries run private copies, so a rebuild during a long run cannot change what is tested.
  const coreCopy = join(scratch, 're4_dump');
  const diagnosticCopy = join(scratch, 're4_dump.diag');
  for (const [from, to] of [[core, coreCopy], [diagnostic, diagnosticCopy]] as const) {
    copyFileSync(from, to);
    chmodSync(to, 0o700);
  }
  if (sha256(coreCopy) !== coreSha256) {
    process.stderr.write('r4 proof: native/build/re4_dump changed while it was being copied; run again\n');
    rmSync(scratch, { recursive: true, force: true });
    return 1;
  }
  const diagnosticSha256 = sha256(diagnosticCopy);
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const assumed = assumedMinEntropy();
  const hI: { value?: number } = {};
  let reports: BatteryReport[];
  try {
    // SP 800-90B's batteries run in order in the first lane (ea_restart needs ea_non_iid's H_I), which
    // then joins the others on the output batteries, the core's and then the control's. Reports keep the
    // plan's order.
    const sp800: (() => Promise<BatteryReport>)[] = [];
    const output: (() => Promise<BatteryReport>)[] = [];
    const slots: (() => Promise<BatteryReport>)[] = [];
    for (const b of plan(args.level, paths)) {
      const missing = b.needs === undefined ? undefined : absent.get(b.needs);
      const task = missing !== undefined ? () => Promise.resolve(skippedReport(b, 'core', `skipped: ${missing}`))
        : b.input.kind === 'stream' ? () => outputBattery(b, { kind: 'core', path: coreCopy }, dir, 'core')
        : () => sp800Battery(b, diagnosticCopy, dir, scratch, assumed, hI);
      (b.input.kind === 'stream' ? output : sp800).push(task);
      slots.push(task);
    }
    for (const b of controlPlan(paths)) {
      const missing = b.needs === undefined ? undefined : absent.get(b.needs);
      const task = missing !== undefined ? () => Promise.resolve(skippedReport(b, 'control', `skipped: ${missing}`))
        : () => outputBattery(b, { kind: 'control' }, dir, 'control');
      output.push(task);
      slots.push(task);
    }
    const done = new Map<() => Promise<BatteryReport>, BatteryReport>();
    const drain = async (queue: (() => Promise<BatteryReport>)[]): Promise<void> => {
      for (let task = queue.shift(); task !== undefined; task = queue.shift()) done.set(task, await task());
    };
    await Promise.all([drain(sp800).then(() => drain(output)), ...Array.from({ length: args.jobs - 1 }, () => drain(output))]);
    reports = slots.map((task) => done.get(task)).filter((r): r is BatteryReport => r !== undefined);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const report: RunReport = {
    level: args.level, coreSha256, manifestMatches: true, diagnosticSha256, startedAt,
    host: `${osType()} ${release()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`,
    controlDescription: WEAK_GENERATOR_DESCRIPTION,
    skipped: [...absent.values()].map((why) => `${why}; its batteries are listed as SKIPPED`),
    batteries: reports,
  };
  writeFileSync(join(dir, 'SUMMARY.md'), renderSummary(report));
  updateIndex(args.out);
  const v = runVerdict(report);
  process.stderr.write(`r4 proof: ${v.verdict}: ${v.why}\nr4 proof: ${join(dir, 'SUMMARY.md')}\n`);
  return v.verdict === 'PASS' ? 0 : 1;
}

process.exitCode = await main();
