// Statistical smoke test of the release core's output. These tests cannot prove randomness; they catch
// gross failures (stuck, biased or patterned output). Every threshold is computed below so that the
// whole file raises a false alarm on a good generator with probability below 1e-6 per CI run.
import { spawnSync } from 'node:child_process';
import { builds, runCore } from './core-binary.js';

const logChoose = (n: number, k: number) => {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
};
/** P(X >= k) for X ~ Binomial(n, p). */
const binomialTailAtLeast = (n: number, p: number, k: number) => {
  let sum = 0;
  for (let j = k; j <= n; j++) sum += Math.exp(logChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p));
  return sum;
};

describe('statistical smoke test of the release core', () => {
  // Budget: 1e-6 in all; 5e-7 for rngtest, 2.5e-7 for each tail of the chi-square test.
  test('FIPS 140-2 tests (rngtest): failures stay within what a good generator produces', async () => {
    const blocks = 2000; // 20,000 bits (2,500 bytes) each
    // Per-block false-alarm rate of the four FIPS 140-2 tests on ideal input: monobit 1.0e-4
    // (|X - 10000| >= 275, sd 70.7), poker ~1.5e-4, runs ~5e-4 over its 12 intervals, long run
    // (>= 26) 20000 * 2^-26 = 3e-4; in all about 1e-3 (measured here: 19 in 20,000 /dev/urandom blocks).
    // We allow p = 2e-3 and pick the smallest limit L with P(Binomial(2000, 2e-3) >= L) < 5e-7.
    const p = 2e-3;
    let limit = 0;
    while (binomialTailAtLeast(blocks, p, limit) >= 5e-7) limit++;
    expect(limit).toBe(18); // documents the computed figure; a stuck or biased source fails every block

    const run = await runCore(builds.release, ['-n', String(blocks * 2500 + 4)]); // +32 bits rngtest keeps
    const rngtest = spawnSync('rngtest', ['-c', String(blocks)], { input: run.stdout, encoding: 'utf8' });
    const failures = Number(rngtest.stderr.match(/FIPS 140-2 failures: (\d+)/)?.[1]);
    const successes = Number(rngtest.stderr.match(/FIPS 140-2 successes: (\d+)/)?.[1]);
    expect(successes + failures).toBe(blocks);
    expect(failures).toBeLessThan(limit);
  }, 60_000);

  test('byte frequencies pass a chi-square test (255 degrees of freedom)', async () => {
    const n = 16 << 20;
    const run = await runCore(builds.release, ['-n', String(n)]);
    const counts = new Uint32Array(256);
    const bytes = run.stdout;
    for (let i = 0; i < bytes.length; i++) counts[bytes[i]!]!++;
    const expected = n / 256;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - expected) ** 2 / expected;
    // Wilson-Hilferty: chi2_k quantile ~ k (1 - 2/(9k) + z sqrt(2/(9k)))^3; z = 5.026 for a tail of 2.5e-7.
    const k = 255;
    const quantile = (z: number) => k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
    expect(chi2).toBeGreaterThan(quantile(-5.026)); // about 146: too even is as suspicious as too uneven
    expect(chi2).toBeLessThan(quantile(5.026)); // about 392
  }, 60_000);
});
