// npm test's two lanes (scripts/test/): a test file that uses what there is one of on the machine must run
// in the "machine" lane, one such file at a time, or two of them would fight over it; and the lanes' jest
// reports merge into one, as .ci/run reads it; what failed is repeated at the end, where a log's tail keeps it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { laneOf } from '../../scripts/test/lanes.js';
import { failureDigest, mergeReports, type JestReport } from '../../scripts/test/report.js';
import { repoRoot } from '../support/repo-paths.js';

// What marks a file as using the machine's single things: images built or run under r4's tags, podman
// itself, kube-router's host-wide firewall.
const MACHINE_WIDE_USE = /support\/(image-build|podman)\.js'|\bbuildImages\(|\bpodman\(|\brunContainer\(|R4_NETWORK_POLICIES|networkPolicies: true/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(repoRoot, path)] : [];
  });
}

test('every test file that builds or runs images, or enforces NetworkPolicies, is in the machine lane', () => {
  const files = ['test', 'service', 'operator', 'vrf', 'cli', 'cdk8s', 'api', 'contracts', 'dashboard'].flatMap((dir) => testFiles(join(repoRoot, dir)));
  expect(files.length).toBeGreaterThan(100);
  const misplaced = files.filter((file) => file !== 'test/setup/test-lanes.test.ts' && MACHINE_WIDE_USE.test(readFileSync(join(repoRoot, file), 'utf8')) && laneOf(file) !== 'machine');
  expect(misplaced).toEqual([]);
  expect(laneOf('test/service/vrf.test.ts')).toBe('private');
});

test("the lanes' reports merge into one: counts summed, results kept, success only when both passed", () => {
  const lane = (passed: number, failed: number, startTime: number): JestReport => ({
    success: failed === 0, startTime, testResults: [{ name: `lane-${startTime}` }],
    numPassedTests: passed, numFailedTests: failed, numTotalTests: passed + failed, numPassedTestSuites: 1,
  });
  expect(mergeReports([lane(10, 0, 200), lane(5, 1, 100)])).toEqual({
    success: false, startTime: 100, wasInterrupted: false, testResults: [{ name: 'lane-200' }, { name: 'lane-100' }],
    numPassedTests: 15, numFailedTests: 1, numTotalTests: 16, numPassedTestSuites: 2,
  });
});

test('the digest names each failed test with the start of its message, colours stripped, and a file that failed to run', () => {
  const report: JestReport = {
    success: false, startTime: 0, numFailedTests: 1,
    testResults: [
      {
        name: '/repo/test/chaos/faults.test.ts', message: 'ignored: the assertions say it',
        assertionResults: [
          { fullName: 'a burst', status: 'failed', failureMessages: ['\u001b[31mError: 1 new invariant violations:\u001b[39m\n\nT I4 did not return\nline 3\nline 4'] },
          { fullName: 'a partition', status: 'passed', failureMessages: [] },
        ],
      },
      { name: '/repo/test/ok.test.ts', message: '', assertionResults: [{ fullName: 'fine', status: 'passed' }] },
      { name: '/repo/test/broken.test.ts', message: 'Test suite failed to run: SyntaxError', assertionResults: [] },
    ],
  };
  expect(failureDigest(report, '/repo', 3).split('\n')).toEqual([
    '  test/chaos/faults.test.ts › a burst',
    '    Error: 1 new invariant violations:',
    '    T I4 did not return',
    '    line 3',
    '    (1 more lines)',
    '  test/broken.test.ts',
    '    Test suite failed to run: SyntaxError',
  ]);
  expect(failureDigest({ success: true, startTime: 0, testResults: [] }, '/repo')).toBe('');
});
