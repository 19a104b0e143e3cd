import { selftestVerdict, type SelftestRun } from './selftest.js';

const PASS =
  '{"selftest":"pass","vectors":5,"tests":[{"name":"a","result":"pass"},{"name":"b","result":"pass"}],"openssl":"OpenSSL 3"}\n';
const run = (over: Partial<SelftestRun>): SelftestRun => ({
  spawnError: null,
  timedOut: false,
  timeoutMs: 500,
  exitCode: 0,
  signal: null,
  stdout: PASS,
  stderr: '',
  ...over,
});

describe('selftestVerdict', () => {
  it('passes on exit 0 with a pass answer', () => {
    expect(selftestVerdict(run({}))).toEqual({ selftest: 'pass', detail: '2 tests passed (5 CAVP vectors)' });
  });

  it('is degraded when the core gave no answer in time', () => {
    expect(selftestVerdict(run({ timedOut: true, exitCode: null, signal: 'SIGKILL', stdout: '' }))).toEqual({
      selftest: 'degraded',
      detail: 'self-test gave no answer within 500 ms',
    });
  });

  it('fails on a known-answer failure, quoting the core', () => {
    const stderr = '{"error":"selftest_failure","test":"ctr_drbg/count0","detail":"output differs","exit_code":3}\n';
    expect(selftestVerdict(run({ exitCode: 3, stdout: '', stderr }))).toEqual({
      selftest: 'fail',
      detail: 'self-test failed: selftest_failure in ctr_drbg/count0: output differs (exit code 3)',
    });
  });

  it.each([
    [{ spawnError: 'EACCES' }, 'self-test could not run: EACCES'],
    [{ exitCode: null, signal: 'SIGSEGV', stdout: '' }, 'self-test failed: killed by SIGSEGV'],
    [{ stdout: '' }, 'self-test exited 0 without a JSON answer'],
    [{ stdout: 'garbage' }, 'self-test exited 0 without a JSON answer'],
    [{ stdout: '{"selftest":"fail"}' }, 'self-test answered "fail"'],
    [{ stdout: '{}' }, 'self-test answered null'],
  ])('fails on %j', (over, detail) => {
    expect(selftestVerdict(run(over))).toEqual({ selftest: 'fail', detail });
  });

  it('prefers a spawn error over a timeout', () => {
    expect(selftestVerdict(run({ spawnError: 'ENOENT', timedOut: true })).selftest).toBe('fail');
  });
});
