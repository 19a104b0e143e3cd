// The raw-jitter mode exists only in the diagnostic build: the release core refuses the flag and carries
// no trace of it, while the diagnostic build (same sources, same -O2, -DR4_DIAGNOSTICS) emits raw samples.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-paths.js';

const release = join(repoRoot, 'native/build/re4_dump');
const diagnostic = join(repoRoot, 'native/build/diag/re4_dump');
const TRACES = ['raw-jitter', 'r4_noise_raw', 'Diagnostic build'];

beforeAll(() => {
  execFileSync('make', ['-s', '-C', join(repoRoot, 'native'), 'build/re4_dump', 'build/diag/re4_dump'], { stdio: 'ignore' });
});

test('the release core refuses --raw-jitter as an unknown argument and writes nothing', () => {
  const r = spawnSync(release, ['--raw-jitter', '1000'], { encoding: 'latin1' });
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain("unknown argument '--raw-jitter'");
});

test('the release binary holds no string or symbol of the diagnostic mode', () => {
  const bytes = readFileSync(release).toString('latin1');
  expect(TRACES.filter((t) => bytes.includes(t))).toEqual([]);
  const symbols = spawnSync('nm', ['-D', release], { encoding: 'utf8' }).stdout + spawnSync('nm', [release], { encoding: 'utf8' }).stdout;
  expect(symbols).not.toMatch(/noise_raw|raw_jitter/);
});

test('the same check sees the mode in the diagnostic build, which emits one raw sample per byte', () => {
  const bytes = readFileSync(diagnostic).toString('latin1');
  expect(bytes).toContain('raw-jitter');
  const r = spawnSync(diagnostic, ['--raw-jitter', '4096'], { encoding: 'buffer' });
  expect(r.status).toBe(0);
  expect(r.stdout.length).toBe(4096);
  expect(new Set(r.stdout).size).toBeGreaterThan(8); // timing deltas vary; a stuck source would not
  expect(spawnSync(diagnostic, ['--help'], { encoding: 'utf8' }).stdout).toContain('--raw-jitter N');
  expect(spawnSync(diagnostic, ['--raw-jitter', '12x'], { encoding: 'utf8' }).status).toBe(2);
});
