// Reads each battery's output into test results (verdict.ts decides). Pure: text in, results out.
import type { TestResult } from './verdict.js';

/**
 * rngtest (FIPS 140-2): 20,000-bit blocks, each passing or failing. A perfect source fails about 0.08% of
 * blocks by design (FIPS 140-2's false-alarm rate); the p-value is the Poisson tail of seeing this many
 * failures at a rate of 1e-3, a generous bound.
 */
export const RNGTEST_FALSE_ALARM_RATE = 1e-3;

export function parseRngtest(text: string): TestResult[] {
  const successes = Number(/FIPS 140-2 successes: (\d+)/.exec(text)?.[1] ?? NaN);
  const failures = Number(/FIPS 140-2 failures: (\d+)/.exec(text)?.[1] ?? NaN);
  if (!Number.isFinite(successes) || !Number.isFinite(failures)) return [];
  const blocks = successes + failures;
  return [{ name: 'FIPS 140-2 block failures', p: poissonUpperTail(failures, blocks * RNGTEST_FALSE_ALARM_RATE) }];
}

/** P(X >= k) for X ~ Poisson(lambda). */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  // For large k the lower sum reaches 1 in floating point: add the upper terms directly instead.
  if (below < 0.5) return Math.max(0, 1 - below);
  let upper = 0;
  for (let i = k; i < k + 10_000 && term > 0; i++) {
    upper += term;
    term *= lambda / (i + 1);
  }
  return upper;
}

/** ent -t: the byte chi-square (255 degrees of freedom) and its upper-tail p; the rest is descriptive. */
export function parseEnt(text: string): TestResult[] {
  const row = text.split('\n').find((l) => l.startsWith('1,'));
  if (row === undefined) return [];
  const chi = Number(row.split(',')[3]);
  if (!Number.isFinite(chi)) return [];
  return [{ name: 'byte chi-square', p: chiSquareUpperTail(chi, 255) }];
}

/** The regularised upper incomplete gamma function Q(a, x), as Numerical Recipes computes it. */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnGammaA = lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let del = sum;
    for (let n = 1; n < 1000; n++) {
      del *= x / (a + n);
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lnGammaA);
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGammaA) * h;
}

function lnGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

export function chiSquareUpperTail(chi: number, dof: number): number {
  return gammaQ(dof / 2, chi / 2);
}

/** dieharder: "name|ntup|tsamples|psamples|p-value|Assessment" rows; p is two-sided, FAILED is its own grade. */
export function parseDieharder(text: string): TestResult[] {
  const results: TestResult[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 6 || !/^[a-z0-9_]+$/.test(cells[0] ?? '')) continue;
    const p = Number(cells[4]);
    if (!Number.isFinite(p)) continue;
    results.push({ name: `${cells[0]} ntup=${cells[1]}`, p, twoSided: true, toolFailed: cells[5] === 'FAILED' });
  }
  return results;
}

/**
 * PractRand: at each checkpoint it lists only anomalous results, "Test  R= +12.3  p = 1.2e-5  suspicious",
 * "p = 1-2.3e-6" for p near 1, "FAIL" grades; "no anomalies in N test result(s)" otherwise.
 */
export function parsePractRand(text: string): TestResult[] {
  const results: TestResult[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+(\S.*?)\s+R=\s*[-+]?[\d.]+\s+p\s*(=|<|>)\s*(1-)?~?([\d.e+-]+)\s*(.*)$/.exec(line);
    if (m === null) continue;
    const value = Number(m[4]);
    if (!Number.isFinite(value)) continue;
    const p = m[3] === '1-' ? 1 - value : value;
    results.push({ name: m[1] ?? '', p, twoSided: true, toolFailed: /FAIL/.test(m[5] ?? '') });
  }
  return results;
}

/** PractRand's checkpoints: the last "length=" line says how much it tested. */
export function practRandLength(text: string): string | undefined {
  const lines = [...text.matchAll(/^length= ([^,]+),/gm)];
  return lines.at(-1)?.[1];
}

/**
 * TestU01's summary lists only the tests outside [0.001, 0.999]: "  1  BirthdaySpacings   eps",
 * "1 - eps1", "1.2e-5", "1 - 4.4e-5". "eps" is below 1e-300 and "eps1" below 1e-15.
 */
export function parseTestU01(text: string): TestResult[] {
  const start = text.indexOf('========= Summary results of');
  if (start < 0) return [];
  const summary = text.slice(start);
  const results: TestResult[] = [];
  for (const line of summary.split('\n')) {
    const m = /^\s*(\d+)\s+(\S.*?)\s{2,}(1 -\s*)?(eps1?|[\d.]+e-?\d+|[\d.]+)\s*$/.exec(line);
    if (m === null) continue;
    const raw = m[4] ?? '';
    const value = raw === 'eps' ? 1e-300 : raw === 'eps1' ? 1e-15 : Number(raw);
    const p = m[3] !== undefined ? 1 - value : value;
    results.push({ name: `${m[1]} ${m[2]}`, p: m[3] !== undefined && value <= 1e-15 ? 0 : p, twoSided: true });
  }
  if (results.length === 0 && !/All tests were passed/.test(summary))
    return [{ name: 'summary', toolFailed: true }];
  return results;
}

/** SP 800-90B ea_non_iid: the min-entropy estimates, bits per 8-bit sample. */
export interface MinEntropy {
  readonly hOriginal?: number;
  readonly hBitstring?: number;
  readonly min: number;
}

export function parseNonIid(text: string): MinEntropy | undefined {
  const num = (re: RegExp): number | undefined => {
    const v = re.exec(text)?.[1];
    return v === undefined ? undefined : Number(v);
  };
  const min = num(/min\(H_original, \d+ X H_bitstring\):\s*([\d.]+)/);
  if (min === undefined) return undefined;
  const hOriginal = num(/H_original:\s*([\d.]+)/);
  const hBitstring = num(/H_bitstring:\s*([\d.]+)/);
  return { min, ...(hOriginal === undefined ? {} : { hOriginal }), ...(hBitstring === undefined ? {} : { hBitstring }) };
}

/** SP 800-90B ea_restart -v: "Validation Test Passed...", "Validation Testing Failed" or "Restart Sanity Check Failed". */
export function parseRestart(text: string): { passed: boolean; line: string } | undefined {
  const line = text.split('\n').find((l) => /Validation Test(ing)? (Passed|Failed)|Sanity Check Failed/.test(l));
  if (line === undefined) return undefined;
  const hr = /^(H_r: .*)$/m.exec(text)?.[1];
  const hc = /^(H_c: .*)$/m.exec(text)?.[1];
  const detail = [line.replace(/\*/g, '').trim(), hr, hc].filter((x) => x !== undefined).join('; ');
  return { passed: /Passed/.test(line), line: detail };
}
