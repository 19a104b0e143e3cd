// One jest --json report from the lanes' reports (scripts/test/main.ts), as one jest process would write it.

/** The parts of a jest --json report that reports are merged by; the rest of each is kept per test file. */
export interface JestReport {
  success: boolean;
  startTime: number;
  wasInterrupted?: boolean;
  testResults: unknown[];
  [count: `num${string}`]: number;
}

export function mergeReports(reports: readonly JestReport[]): JestReport {
  const merged: JestReport = {
    success: reports.every((r) => r.success),
    startTime: Math.min(...reports.map((r) => r.startTime)),
    wasInterrupted: reports.some((r) => r.wasInterrupted === true),
    testResults: reports.flatMap((r) => r.testResults),
  };
  for (const report of reports)
    for (const [key, value] of Object.entries(report))
      if (key.startsWith('num') && typeof value === 'number') merged[key as `num${string}`] = (merged[key as `num${string}`] ?? 0) + value;
  return merged;
}
