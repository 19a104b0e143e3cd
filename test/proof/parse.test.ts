// Each battery's output, as the tools print it (excerpts of real logs), read into p-values and grades.
import {
  chiSquareUpperTail, parseDieharder, parseEnt, parseNonIid, parsePractRand, parseRestart, parseRngtest, parseTestU01,
  poissonUpperTail,
} from '../../scripts/proof/parse.js';
import { grade } from '../../scripts/proof/verdict.js';

test('rngtest: failures within FIPS 140-2 false-alarm rate pass, a flood of them fails', () => {
  const good = parseRngtest('rngtest: FIPS 140-2 successes: 1998\nrngtest: FIPS 140-2 failures: 2\n');
  const bad = parseRngtest('rngtest: FIPS 140-2 successes: 564\nrngtest: FIPS 140-2 failures: 1436\n');
  expect(good.map(grade)).toEqual(['pass']);
  expect(bad.map(grade)).toEqual(['fail']);
  expect(parseRngtest('rngtest: entropy source drained\n')).toEqual([]);
});

test('the Poisson tail and the chi-square tail match known values', () => {
  expect(poissonUpperTail(0, 2)).toBe(1);
  expect(poissonUpperTail(3, 2)).toBeCloseTo(0.3233, 4);
  expect(chiSquareUpperTail(255, 255)).toBeCloseTo(0.4883, 3);
  expect(chiSquareUpperTail(274.39, 255)).toBeCloseTo(0.1929, 3); // what ent itself printed: 19.29 percent
});

test('ent: the byte chi-square of its terse output', () => {
  const [r] = parseEnt('0,File-bytes,Entropy,Chi-square,Mean,Monte-Carlo-Pi,Serial-Correlation\n1,1000000,7.999814,258.105344,127.5,3.14,-0.0002\n');
  expect(r?.p).toBeGreaterThan(0.3);
  expect(r?.p).toBeLessThan(0.5);
});

test('dieharder: rows with their p-values; FAILED is a failure whatever p says', () => {
  const text = [
    '        test_name   |ntup| tsamples |psamples|  p-value |Assessment',
    '   diehard_birthdays|   0|       100|     100|0.67539021|  PASSED  ',
    '          sts_serial|  16|    100000|     100|0.00181089|   WEAK   ',
    '      diehard_operm5|   0|   1000000|     100|0.00000000|  FAILED  ',
  ].join('\n');
  const results = parseDieharder(text);
  expect(results.map((r) => [r.name, grade(r)])).toEqual([
    ['diehard_birthdays ntup=0', 'pass'], ['sts_serial ntup=16', 'pass'], ['diehard_operm5 ntup=0', 'fail'],
  ]);
});

test('PractRand: anomalies with p, p near 1, and FAIL grades; a clean checkpoint lists none', () => {
  const text = [
    'length= 1 gigabyte (2^30 bytes), time= 19.1 seconds',
    '  BCFN(2+9,13-7,T)                  R=+68042  p = 0           FAIL !!!!!!!!  ',
    '  BCFN(2+11,13-8,T)                 R=+20285  p =  5e-5149    FAIL !!!!!!!!  ',
    '  DC6-9x1Bytes-1                    R=  -5.9  p =1-2.3e-5     suspicious     ',
    '  Gap-16:B                          R=  +4.1  p =  3.2e-3     unusual        ',
  ].join('\n');
  expect(parsePractRand(text).map(grade)).toEqual(['fail', 'fail', 'suspicious', 'pass']);
  expect(parsePractRand('length= 256 megabytes (2^28 bytes), time= 7.3 seconds\n  no anomalies in 213 test result(s)\n')).toEqual([]);
});

test("TestU01: the summary's listed p-values, eps and 1 - eps1", () => {
  const text = [
    '========= Summary results of SmallCrush =========',
    '       Test                          p-value',
    ' ----------------------------------------------',
    '  1  BirthdaySpacings                 eps  ',
    '  6  MaxOft                           1 - eps1',
    '  7  WeightDistrib                    3.2e-5',
    ' 10  RandomWalk1 H                    1.4e-4',
  ].join('\n');
  expect(parseTestU01(text).map((r) => [r.name, grade(r)])).toEqual([
    ['1 BirthdaySpacings', 'fail'], ['6 MaxOft', 'fail'], ['7 WeightDistrib', 'suspicious'], ['10 RandomWalk1 H', 'pass'],
  ]);
  expect(parseTestU01('========= Summary results of SmallCrush =========\n All tests were passed\n')).toEqual([]);
  expect(parseTestU01('testu01-stdin: end of input after 12 bytes')).toEqual([]);
});

test('SP 800-90B: the non-IID estimates and the restart verdict', () => {
  expect(parseNonIid('H_original: 2.766621\nH_bitstring: 0.381815\nmin(H_original, 8 X H_bitstring): 2.766621\n'))
    .toEqual({ hOriginal: 2.766621, hBitstring: 0.381815, min: 2.766621 });
  expect(parseNonIid('Error reading file.\n')).toBeUndefined();
  expect(parseRestart('H_r: 3.1\nH_c: 3.0\nValidation Test Passed...\n')?.passed).toBe(true);
  expect(parseRestart('*** min(H_r, H_c) < H_I/2, Validation Testing Failed ***\n')?.passed).toBe(false);
  expect(parseRestart('\n*** Restart Sanity Check Failed ***\n')?.passed).toBe(false);
});
