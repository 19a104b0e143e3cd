// Writes a run's SUMMARY.md and the index of runs in proof/README.md. Pure: reports in, Markdown out.
import type { Verdict } from './verdict.js';

export interface BatteryReport {
  readonly id: string;
  readonly title: string;
  readonly subject: 'core' | 'control';
  readonly command: string;
  readonly toolVersion: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly verdict: Verdict;
  readonly reason: string;
  /** The worst p-values (or, for SP 800-90B, the estimates), already formatted. */
  readonly worst: string;
  readonly logs: readonly string[];
}

export interface RunReport {
  readonly level: string;
  readonly coreSha256: string;
  readonly manifestMatches: boolean;
  readonly diagnosticSha256?: string;
  readonly startedAt: string;
  readonly host: string;
  readonly controlDescription: string;
  readonly skipped: readonly string[];
  readonly batteries: readonly BatteryReport[];
}

export type RunVerdict = 'PASS' | 'FAIL' | 'INVALID';

/** FAIL when the core fails a battery (or one errs); INVALID when the negative control passes one it runs. */
export function runVerdict(r: RunReport): { verdict: RunVerdict; why: string } {
  const core = r.batteries.filter((b) => b.subject === 'core');
  const control = r.batteries.filter((b) => b.subject === 'control' && b.verdict !== 'SKIPPED');
  const failed = core.filter((b) => b.verdict === 'FAIL' || b.verdict === 'ERROR');
  if (failed.length > 0)
    return { verdict: 'FAIL', why: `the core failed: ${failed.map((b) => `${b.title} (${b.reason})`).join('; ')}` };
  const passedControl = control.filter((b) => b.verdict !== 'FAIL');
  if (passedControl.length > 0 || control.length === 0)
    return { verdict: 'INVALID', why: control.length === 0
      ? 'the negative control ran no battery: the batteries were not shown able to fail'
      : `the negative control was not rejected by: ${passedControl.map((b) => b.title).join(', ')}` };
  return { verdict: 'PASS', why: 'no battery failed the core; every battery rejected the negative control' };
}

export const VERDICT_RULE = [
  'A result counts as **FAIL** only when p < 1e-10 (or p > 1 - 1e-10 where the tool\'s p-value is two-sided:',
  'dieharder, TestU01, PractRand, ent\'s chi-square), or the tool itself grades it as failed (PractRand "FAIL",',
  'dieharder "FAILED"), or when a **suspicious** result (p < 1e-4, two-sided likewise) repeats on a rerun of',
  'that battery with fresh bytes. rngtest\'s p is the Poisson tail of its block failures at a false-alarm rate',
  'of 1e-3 per block. SP 800-90B is an estimate, not a p-value: ea_non_iid FAILs when its min-entropy estimate',
  'is below the 0.5 bit per sample the health tests assume (native/src/health.h), ea_restart when its',
  'validation fails. The run exits non-zero when the core FAILs a battery, and is **INVALID** when the',
  'negative control is not rejected by every battery it is fed to.',
].join('\n');

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(rows: readonly BatteryReport[]): string[] {
  const lines = ['| battery | verdict | why | worst p-values / estimate | bytes | duration | tool | log |',
    '|---|---|---|---|---|---|---|---|'];
  for (const b of rows)
    lines.push(`| ${cell(b.title)} | **${b.verdict}** | ${cell(b.reason)} | ${cell(b.worst)} | ${b.bytes.toLocaleString('en-US')} | ` +
      `${b.seconds.toFixed(1)} s | ${cell(b.toolVersion)} | ${b.logs.map((l) => `[${l}](${l})`).join(' ')} |`);
  return lines;
}

export function renderSummary(r: RunReport): string {
  const v = runVerdict(r);
  const core = r.batteries.filter((b) => b.subject === 'core');
  const control = r.batteries.filter((b) => b.subject === 'control');
  const commands = r.batteries.map((b) => `- ${b.subject} / ${b.title}: \`${b.command}\``);
  return [
    `# Statistical proof: ${r.level} run of core ${r.coreSha256.slice(0, 12)}`,
    '',
    `**Run verdict: ${v.verdict}** (${v.why}).`,
    '',
    `- core: \`native/build/re4_dump\`, SHA-256 \`${r.coreSha256}\` ` +
      `(${r.manifestMatches ? 'equals native/build/manifest.json' : 'DOES NOT equal native/build/manifest.json'})`,
    ...(r.diagnosticSha256 === undefined ? [] : [`- raw jitter: \`native/build/diag/re4_dump --raw-jitter\` ` +
      `(diagnostic build of the same sources, SHA-256 \`${r.diagnosticSha256}\`); each sample is the low 8 bits of one timing delta`]),
    `- level: ${r.level}; started ${r.startedAt}; host: ${r.host}`,
    `- negative control: ${r.controlDescription}`,
    ...(r.skipped.length === 0 ? ['- skipped: nothing'] : r.skipped.map((s) => `- skipped: ${s}`)),
    '',
    '## The core',
    '',
    ...table(core),
    '',
    '## The negative control (must FAIL)',
    '',
    ...table(control),
    '',
    '## Verdict rule',
    '',
    VERDICT_RULE,
    '',
    '## Exact commands',
    '',
    ...commands,
    '',
  ].join('\n');
}

export interface IndexEntry {
  readonly path: string; // relative to proof/, e.g. "c3b459a7aeaf/standard"
  readonly verdict: string;
  readonly startedAt: string;
}

export const INDEX_BEGIN = '<!-- runs: generated by npm run proof -->';
export const INDEX_END = '<!-- end of runs -->';

/** Replaces the index between the markers of proof/README.md; the text is unchanged when the markers are absent. */
export function renderIndex(readme: string, entries: readonly IndexEntry[]): string {
  const begin = readme.indexOf(INDEX_BEGIN);
  const end = readme.indexOf(INDEX_END);
  if (begin < 0 || end < begin) return readme;
  const rows = [...entries].sort((a, b) => a.path.localeCompare(b.path))
    .map((e) => `| [${e.path}](${e.path}/SUMMARY.md) | ${e.verdict} | ${e.startedAt} |`);
  const body = ['| run (core / level) | verdict | started |', '|---|---|---|', ...rows];
  return `${readme.slice(0, begin + INDEX_BEGIN.length)}\n${body.join('\n')}\n${readme.slice(end)}`;
}

/** Reads back what the index needs from a SUMMARY.md. */
export function indexEntryOf(path: string, summary: string): IndexEntry {
  const verdict = /\*\*Run verdict: (\w+)\*\*/.exec(summary)?.[1] ?? 'unknown';
  const startedAt = /started (\S+);/.exec(summary)?.[1] ?? 'unknown';
  return { path, verdict, startedAt };
}
