// A test build of the same sources (native/build/test-hooks, R4_TEST_FAULT) proves that each health
// test and self-test trips, and that the core then emits nothing more and exits with its documented code.
import { builds, errorLine, runCore } from './core-binary.js';

const withFault = (fault: string) => ({ env: { R4_TEST_FAULT: fault } });
const BUFFER = 1 << 20; // the core writes whole 1 MiB buffers, and only after all of one passed

describe('health tests of the core (test build with injected faults)', () => {
  test('a stuck noise source fails the start-up repetition count test: no bytes, exit 4', async () => {
    const run = await runCore(builds.testHooks, ['-n', '100'], withFault('noise-stuck'));
    expect(run.stdout.length).toBe(0);
    expect(run.code).toBe(4);
    expect(errorLine(run.stderr)).toMatchObject({
      error: 'health_test_failure',
      test: 'noise_startup_health',
      exit_code: 4,
      detail: expect.stringContaining('repeated one value 61 times'),
    });
  });

  test('a biased noise source fails the adaptive proportion test: no bytes, exit 4', async () => {
    const run = await runCore(builds.testHooks, ['-n', '100'], withFault('noise-biased'));
    expect(run.stdout.length).toBe(0);
    expect(run.code).toBe(4);
    expect(errorLine(run.stderr).detail).toContain('filled 422 of 512 samples');
  });

  test('a noise source that sticks while streaming stops the output for good: exit 4', async () => {
    // Prediction resistance samples noise before every 64 KiB request, so the fault lands mid-stream.
    const run = await runCore(builds.testHooks, ['--prediction-resistance'], withFault('noise-stuck-after:40000'));
    expect(run.code).toBe(4);
    expect(errorLine(run.stderr)).toMatchObject({ error: 'health_test_failure', test: 'repetition_count' });
    expect(run.stdout.length % BUFFER).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  test('repeated DRBG output fails the continuous output test; nothing of the failing buffer is written', async () => {
    const run = await runCore(builds.testHooks, [], withFault('output-repeat-after:3000000'));
    expect(run.code).toBe(4);
    expect(errorLine(run.stderr)).toMatchObject({ test: 'continuous_output' });
    expect(run.stdout.length).toBe(2 * BUFFER);
  });

  test('the continuous output test also guards -n output', async () => {
    const run = await runCore(builds.testHooks, ['-n', '500000'], withFault('output-repeat-after:0'));
    expect(run.code).toBe(4);
    expect(run.stdout.length).toBe(0);
  });

  test('a wrong known answer fails the power-on self-test: no bytes, exit 3', async () => {
    const run = await runCore(builds.testHooks, ['-n', '100'], withFault('kat-corrupt'));
    expect(run.stdout.length).toBe(0);
    expect(run.code).toBe(3);
    expect(errorLine(run.stderr)).toMatchObject({ error: 'selftest_failure', exit_code: 3 });
  });

  test('--selftest reports the failing vectors and exits 3', async () => {
    const run = await runCore(builds.testHooks, ['--selftest'], withFault('kat-corrupt'));
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout.toString());
    expect(report.selftest).toBe('fail');
    const failed = report.tests.filter((t: { result: string }) => t.result === 'fail');
    expect(failed).toHaveLength(5);
    expect(failed[0].detail).toBe('output differs from the known answer');
  });

  test('a failing kernel entropy source stops the core before any byte: exit 5', async () => {
    const run = await runCore(builds.testHooks, ['-n', '100'], withFault('getrandom-fail'));
    expect(run.stdout.length).toBe(0);
    expect(run.code).toBe(5);
    expect(errorLine(run.stderr)).toMatchObject({ error: 'entropy_source_failure' });
  });

  test('without a fault the test build works like the release build', async () => {
    const run = await runCore(builds.testHooks, ['-n', '4096']);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(4096);
  });
});
