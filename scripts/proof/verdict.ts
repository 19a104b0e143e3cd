// The verdict rule of the statistical proof, as pure decisions over what the tools reported.
// A good generator run through hundreds of tests produces small p-values by chance; a FAIL must not.
//   FAIL        p < 1e-10 (or p > 1 - 1e-10 where the tool's p is two-sided), or the tool's own failure grade
//               (PractRand "FAIL", dieharder "FAILED", rngtest far beyond FIPS 140-2's false-alarm rate)
//   suspicious  p < 1e-4 (or p > 1 - 1e-4 for two-sided p): the battery is rerun once on fresh bytes and the
//               result is a FAIL when the same test is suspicious again, a pass otherwise
//   pass        anything else

export const FAIL_P = 1e-10;
export const SUSPICIOUS_P = 1e-4;

export type Grade = 'pass' | 'suspicious' | 'fail';
export type Verdict = 'PASS' | 'FAIL' | 'SKIPPED' | 'ERROR';

/** One test's result inside a battery: a name, its p-value when the tool gives one, and the tool's grade. */
export interface TestResult {
  readonly name: string;
  readonly p?: number;
  /** True when p near 1 is as bad as p near 0 (dieharder, TestU01). */
  readonly twoSided?: boolean;
  /** The tool's own failure grade, independent of p (PractRand "FAIL", dieharder "FAILED"). */
  readonly toolFailed?: boolean;
}

/** How far from "expected" a p-value is: the smaller tail, for two-sided tests. */
export function tail(result: TestResult): number | undefined {
  if (result.p === undefined) return undefined;
  return result.twoSided ? Math.min(result.p, 1 - result.p) : result.p;
}

export function grade(result: TestResult): Grade {
  if (result.toolFailed) return 'fail';
  const t = tail(result);
  if (t === undefined) return 'pass';
  if (t < FAIL_P) return 'fail';
  if (t < SUSPICIOUS_P) return 'suspicious';
  return 'pass';
}

/** The names of a battery's tests that were suspicious (and not failed). */
export function suspicious(results: readonly TestResult[]): string[] {
  return results.filter((r) => grade(r) === 'suspicious').map((r) => r.name);
}

/** A list of test names for a summary line: each once, at most five, then how many more. */
export function names(list: readonly string[]): string {
  const unique = [...new Set(list)];
  const shown = unique.slice(0, 5).join(', ');
  return unique.length > 5 ? `${shown} and ${unique.length - 5} more` : shown;
}

export interface BatteryDecision {
  readonly verdict: 'PASS' | 'FAIL';
  /** True when a rerun on fresh bytes is needed before deciding (only for the first run). */
  readonly rerun: boolean;
  readonly reason: string;
}

/**
 * Decides a battery from its first run and, when there was one, its rerun on fresh bytes. A suspicious
 * test fails the battery only when the same test is suspicious (or worse) again.
 */
export function decide(first: readonly TestResult[], rerun?: readonly TestResult[]): BatteryDecision {
  const failed = first.filter((r) => grade(r) === 'fail').map((r) => r.name);
  if (failed.length > 0) return { verdict: 'FAIL', rerun: false, reason: `failed: ${names(failed)}` };
  const doubtful = suspicious(first);
  if (doubtful.length === 0) return { verdict: 'PASS', rerun: false, reason: 'no test below p = 1e-4' };
  if (rerun === undefined)
    return { verdict: 'PASS', rerun: true, reason: `suspicious: ${names(doubtful)}; rerun needed` };
  const again = rerun.filter((r) => doubtful.includes(r.name) && grade(r) !== 'pass').map((r) => r.name);
  const rerunFailed = rerun.filter((r) => grade(r) === 'fail').map((r) => r.name);
  if (again.length > 0 || rerunFailed.length > 0)
    return {
      verdict: 'FAIL',
      rerun: false,
      reason: `suspicious again on fresh bytes: ${names([...again, ...rerunFailed])}`,
    };
  return { verdict: 'PASS', rerun: false, reason: `suspicious (${names(doubtful)}), not repeated on fresh bytes` };
}

/** The smallest tails of a battery's results, worst first, for the summary. */
export function worst(results: readonly TestResult[], count = 3): TestResult[] {
  return results
    .filter((r) => tail(r) !== undefined)
    .sort((a, b) => (tail(a) ?? 1) - (tail(b) ?? 1))
    .slice(0, count);
}
