// The run's verdict: the core must fail nothing and the negative control must fail everything it is fed.
import { indexEntryOf, INDEX_BEGIN, INDEX_END, renderIndex, renderSummary, runVerdict, type BatteryReport, type RunReport } from '../../scripts/proof/summary.js';

const battery = (subject: 'core' | 'control', verdict: BatteryReport['verdict'], id = 'rngtest'): BatteryReport => ({
  id, title: id, subject, command: 'x | y', toolVersion: 'v', bytes: 1, seconds: 1, verdict, reason: 'r', worst: '-', logs: [],
});
const run = (batteries: BatteryReport[]): RunReport => ({
  level: 'quick', coreSha256: 'ab'.repeat(32), manifestMatches: true, startedAt: '2026-11-30T18:00:00Z', host: 'h',
  controlDescription: 'weak', skipped: [], batteries,
});

test.each<[string, BatteryReport[], string]>([
  ['the core passes, the control fails everywhere', [battery('core', 'PASS'), battery('control', 'FAIL')], 'PASS'],
  ['the core fails a battery', [battery('core', 'FAIL'), battery('control', 'FAIL')], 'FAIL'],
  ['a battery errs on the core', [battery('core', 'ERROR'), battery('control', 'FAIL')], 'FAIL'],
  ['the control passes one battery', [battery('core', 'PASS'), battery('control', 'FAIL'), battery('control', 'PASS', 'ent')], 'INVALID'],
  ['no control ran at all', [battery('core', 'PASS'), battery('control', 'SKIPPED')], 'INVALID'],
  ['a skipped core battery is not a failure', [battery('core', 'SKIPPED'), battery('core', 'PASS'), battery('control', 'FAIL')], 'PASS'],
])('%s: %s', (_why, batteries, expected) => {
  expect(runVerdict(run(batteries)).verdict).toBe(expected);
});

test('the summary states the verdict and the rule, and the index reads it back', () => {
  const text = renderSummary(run([battery('core', 'PASS'), battery('control', 'FAIL')]));
  expect(text).toContain('**Run verdict: PASS**');
  expect(text).toContain('p < 1e-10');
  expect(indexEntryOf('abab/quick', text)).toEqual({ path: 'abab/quick', verdict: 'PASS', startedAt: '2026-11-30T18:00:00Z' });
});

test('the index replaces only what lies between its markers', () => {
  const readme = `# proof\n\n${INDEX_BEGIN}\nold\n${INDEX_END}\n\nafter\n`;
  const next = renderIndex(readme, [{ path: 'abab/quick', verdict: 'PASS', startedAt: 't' }]);
  expect(next).toContain('| [abab/quick](abab/quick/SUMMARY.md) | PASS | t |');
  expect(next).not.toContain('old');
  expect(next.endsWith(`${INDEX_END}\n\nafter\n`)).toBe(true);
  expect(renderIndex('no markers', [])).toBe('no markers');
});
