// Recomputes the SP 800-90B health-test cutoffs from the stated min-entropy and false-alarm rate, and
// checks them against the constants compiled into the core (native/src/health.h).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nativeDir } from './core-binary.js';

const header = readFileSync(path.join(nativeDir, 'src/health.h'), 'utf8');
const constant = (name: string) => {
  const m = header.match(new RegExp(`#define ${name} (\\d+)`));
  if (!m) throw new Error(`${name} is not defined in health.h`);
  return Number(m[1]);
};

const logChoose = (n: number, k: number) => {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
};

/** P(X > k) for X ~ Binomial(n, p), summed over the tail itself so tiny values keep their precision. */
const upperTail = (n: number, p: number, k: number) => {
  let sum = 0;
  for (let j = k + 1; j <= n; j++) sum += Math.exp(logChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p));
  return sum;
};

/** CRITBINOM(n, p, 1 - alpha): the smallest k with P(X <= k) >= 1 - alpha. */
const critbinom = (n: number, p: number, alpha: number) => {
  let k = Math.round(n * p);
  while (upperTail(n, p, k) > alpha) k++;
  while (k > 0 && upperTail(n, p, k - 1) <= alpha) k--;
  return k;
};

describe('SP 800-90B health-test parameters of the core', () => {
  const H = constant('R4_NOISE_MIN_ENTROPY_MILLIBITS') / 1000;
  const alphaLog2 = constant('R4_HEALTH_ALPHA_LOG2');
  const alpha = 2 ** -alphaLog2;

  test('alpha lies between 2^-20 and 2^-40', () => {
    expect(alphaLog2).toBeGreaterThanOrEqual(20);
    expect(alphaLog2).toBeLessThanOrEqual(40);
  });

  test('repetition count cutoff is 1 + ceil(-log2(alpha) / H)', () => {
    expect(constant('R4_RCT_CUTOFF')).toBe(1 + Math.ceil(alphaLog2 / H));
  });

  test('adaptive proportion cutoff is 1 + CRITBINOM(W, 2^-H, 1 - alpha) for the non-binary window of 512', () => {
    const W = constant('R4_APT_WINDOW');
    expect(W).toBe(512);
    expect(constant('R4_APT_CUTOFF')).toBe(1 + critbinom(W, 2 ** -H, alpha));
  });

  test('the published example is reproduced (H = 1, alpha = 2^-30: RCT 31, APT 325)', () => {
    expect(1 + Math.ceil(30 / 1)).toBe(31);
    expect(1 + critbinom(512, 0.5, 2 ** -30)).toBe(325);
  });

  test('start-up testing covers at least 1024 samples', () => {
    expect(constant('R4_STARTUP_SAMPLES')).toBeGreaterThanOrEqual(1024);
  });
});
