// What a release says of the statistical evidence for its core: the committed run whose directory and
// summary name the core's SHA-256, its verdict, or that there is none.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proofStatus } from '../../scripts/release/proof.js';

const core = 'ab'.repeat(32);
let source: string;
beforeEach(() => {
  source = mkdtempSync(join(tmpdir(), 'r4-release-proof-'));
});
afterEach(() => rmSync(source, { recursive: true, force: true }));

function summary(level: string, verdict: string, sha256 = core): void {
  const dir = join(source, 'proof', core.slice(0, 12), level);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SUMMARY.md'), `# Statistical proof\n\n**Run verdict: ${verdict}** (why).\n\n- core: \`native/build/re4_dump\`, SHA-256 \`${sha256}\` (equals native/build/manifest.json)\n- level: ${level}; started 2026-11-30T20:41:00Z; host: x\n`);
}

test('a committed standard run of this core: its verdict and date', () => {
  summary('standard', 'PASS');
  expect(proofStatus(source, core)).toEqual({ ok: true, line: `standard run of this core, 2026-11-30T20:41:00Z: PASS (proof/${core.slice(0, 12)}/standard/SUMMARY.md, in the tarball)` });
});

test('a full run counts before a standard one; a run that did not pass is not evidence', () => {
  summary('standard', 'PASS');
  summary('full', 'FAIL');
  expect(proofStatus(source, core)).toMatchObject({ ok: false, line: expect.stringContaining('full run of this core, 2026-11-30T20:41:00Z: FAIL') });
});

test('a summary in the right directory that names another core is refused', () => {
  summary('standard', 'PASS', 'cd'.repeat(32));
  expect(proofStatus(source, core)).toMatchObject({ ok: false, line: expect.stringContaining('does not name this core') });
});

test('no run of this core: the release says what to run', () => {
  expect(proofStatus(source, core)).toEqual({ ok: false, line: `NO standard run of core ${core.slice(0, 12)} under proof/: run npm run proof -- --standard and commit proof/${core.slice(0, 12)}/ before releasing` });
});
