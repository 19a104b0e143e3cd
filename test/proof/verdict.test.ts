// The proof's verdict rule as a table: a FAIL needs p < 1e-10, a tool's failure grade, or a suspicious
// result (p < 1e-4) that the rerun on fresh bytes repeats.
import { decide, grade, names, type TestResult } from '../../scripts/proof/verdict.js';

describe('grade', () => {
  test.each<[string, TestResult, string]>([
    ['an ordinary p', { name: 't', p: 0.3 }, 'pass'],
    ['p = 1e-3 (a good generator shows these)', { name: 't', p: 1e-3 }, 'pass'],
    ['p just below 1e-4', { name: 't', p: 9e-5 }, 'suspicious'],
    ['p = 1e-10 exactly is still only suspicious', { name: 't', p: 1e-10 }, 'suspicious'],
    ['p below 1e-10', { name: 't', p: 1e-11 }, 'fail'],
    ['two-sided p near 1', { name: 't', p: 1 - 1e-5, twoSided: true }, 'suspicious'],
    ['two-sided p at 1', { name: 't', p: 1, twoSided: true }, 'fail'],
    ['one-sided p near 1 is fine', { name: 't', p: 1 - 1e-12 }, 'pass'],
    ["the tool's own failure grade", { name: 't', p: 0.5, toolFailed: true }, 'fail'],
    ['no p-value and no grade', { name: 't' }, 'pass'],
  ])('%s', (_why, result, expected) => {
    expect(grade(result)).toBe(expected);
  });
});

describe('decide', () => {
  const ok = { name: 'a', p: 0.4 };
  const doubtful = { name: 'a', p: 1e-5 };
  const other = { name: 'b', p: 1e-5 };
  test.each<[string, TestResult[], TestResult[] | undefined, string, boolean]>([
    ['all pass', [ok], undefined, 'PASS', false],
    ['a failure needs no rerun', [{ name: 'a', p: 1e-12 }], undefined, 'FAIL', false],
    ['a suspicious result asks for a rerun', [doubtful], undefined, 'PASS', true],
    ['the rerun repeats it: FAIL', [doubtful], [doubtful], 'FAIL', false],
    ['the rerun clears it: PASS', [doubtful], [ok], 'PASS', false],
    ['another test suspicious on the rerun is chance: PASS', [doubtful], [ok, other], 'PASS', false],
    ['a failure on the rerun: FAIL', [doubtful], [{ name: 'c', p: 0, toolFailed: true }], 'FAIL', false],
  ])('%s', (_why, first, rerun, verdict, needsRerun) => {
    const d = decide(first, rerun);
    expect([d.verdict, d.rerun]).toEqual([verdict, needsRerun]);
  });
});

test('names lists each test once and counts the rest', () => {
  expect(names(['a', 'b', 'a'])).toBe('a, b');
  expect(names(['1', '2', '3', '4', '5', '6', '7'])).toBe('1, 2, 3, 4, 5 and 2 more');
});
