// `npm run proof -- --quick` end to end, into a temporary directory: the real release core streamed into
// every battery, the negative control rejected by every battery it is fed to, and no FAIL for the core.
// Then again without the third-party tarballs: the Debian batteries still run and the summary says what
// was skipped and why. (Measured here: about 2 minutes for the first, under 1 for the second.)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-paths.js';

const main = join(repoRoot, 'dist/scripts/proof/main.js');
const CORE_BATTERIES = ['rngtest (FIPS 140-2)', 'ent', 'dieharder (subset', 'PractRand 0.94 to 1GB', 'TestU01 1.2.3 SmallCrush',
  'SP 800-90B ea_non_iid'];
const THIRD_PARTY = ['PractRand 0.94 to 1GB', 'TestU01 1.2.3 SmallCrush', 'SP 800-90B ea_non_iid'];

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'r4-proof-test-'));
});
afterEach(() => {
  rmSync(out, { recursive: true, force: true });
});

async function proof(env: NodeJS.ProcessEnv): Promise<{ code: number | null; summary: string; dir: string }> {
  const child = spawn(process.execPath, [main, '--quick', '--out', out], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const [code] = (await once(child, 'close')) as [number | null];
  const [hash] = readdirSync(out);
  if (hash === undefined) throw new Error(`no run directory; stderr:\n${stderr}`);
  const dir = join(out, hash, 'quick');
  return { code, summary: readFileSync(join(dir, 'SUMMARY.md'), 'utf8'), dir };
}

/** The rows of one section of SUMMARY.md: battery title -> verdict. */
function rows(summary: string, section: string): Map<string, string> {
  const text = summary.split(`## ${section}`)[1]?.split('\n## ')[0] ?? '';
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\| (.+?) \| \*\*(\w+)\*\* \|/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) found.set(m[1], m[2]);
  }
  return found;
}

const verdictOf = (table: Map<string, string>, title: string): string | undefined =>
  [...table].find(([t]) => t.startsWith(title))?.[1];

test('the quick proof passes the real core and fails the negative control in every battery', async () => {
  const { code, summary, dir } = await proof({});
  const coreSha256 = createHash('sha256').update(readFileSync(join(repoRoot, 'native/build/re4_dump'))).digest('hex');
  expect(dir).toContain(coreSha256.slice(0, 12));
  expect(summary).toContain(`SHA-256 \`${coreSha256}\` (equals native/build/manifest.json)`);
  const core = rows(summary, 'The core');
  const control = rows(summary, 'The negative control');
  expect(CORE_BATTERIES.map((t) => [t, verdictOf(core, t)])).toEqual(CORE_BATTERIES.map((t) => [t, 'PASS']));
  expect([...control.values()].length).toBeGreaterThanOrEqual(5);
  expect([...control].filter(([, v]) => v !== 'FAIL')).toEqual([]);
  expect(summary).toContain('**Run verdict: PASS**');
  expect(readdirSync(dir)).toEqual(expect.arrayContaining(['rngtest.log', 'practrand.log', 'control-practrand.log']));
  // The harness's own line comes after TestU01's whole report, never inside a result line it would hide.
  for (const log of ['testu01-smallcrush.log', 'control-testu01-smallcrush.log']) {
    const text = readFileSync(join(dir, log), 'utf8');
    expect(text.indexOf('testu01-stdin: consumed')).toBeGreaterThan(text.lastIndexOf('-------'));
  }
  expect(code).toBe(0);
}, 300_000);

test('without the tool tarballs the Debian batteries still run and the summary names what was skipped', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'r4-proof-no-tools-'));
  try {
    const { code, summary } = await proof({ R4_PROOF_TOOLS_SRC: empty, R4_PROOF_CACHE: join(empty, 'cache') });
    const core = rows(summary, 'The core');
    for (const t of THIRD_PARTY) expect([t, verdictOf(core, t)]).toEqual([t, 'SKIPPED']);
    for (const t of ['rngtest (FIPS 140-2)', 'ent', 'dieharder (subset']) expect([t, verdictOf(core, t)]).toEqual([t, 'PASS']);
    expect(summary).toMatch(/skipped: practrand-0\.94: .*practrand-0\.94\.tar\.gz not found/);
    expect(summary).toMatch(/skipped: sp800-90b: .*not found/);
    expect([...rows(summary, 'The negative control')].filter(([, v]) => v !== 'FAIL' && v !== 'SKIPPED')).toEqual([]);
    expect(code).toBe(0);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}, 300_000);
