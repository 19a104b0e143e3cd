// One jest --json report from the lanes' reports (scripts/test/main.ts), as one jest process would write it,
// and the digest of its failures that ends the run's output.
import { stripVTControlCharacters } from 'node:util';

/** The parts of a jest --json report that reports are merged by; the rest of each is kept per test file. */
export interface JestReport {
  success: boolean;
  startTime: number;
  wasInterrupted?: boolean;
  testResults: unknown[];
  [count: `num${string}`]: number;
}

/** What the failure digest reads of one test file's result. */
interface FileResult {
  name?: string;
  message?: string;
  assertionResults?: { fullName?: string; status?: string; failureMessages?: string[] }[];
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

/**
 * Each failed test (or test file that failed to run) with the first lines of why, for the end of the output:
 * a failure's message is otherwise printed mid-run, among the other lane's lines and the cluster logs that
 * follow it, and a log that keeps only its tail (CI's) loses it.
 */
export function failureDigest(report: JestReport, repo: string, maxLines = 30): string {
  const clip = (text: string) => {
    const lines = stripVTControlCharacters(text).split('\n').filter((line) => line.trim() !== '');
    return [...lines.slice(0, maxLines), ...(lines.length > maxLines ? [`(${lines.length - maxLines} more lines)`] : [])].map((line) => `    ${line}`);
  };
  const out: string[] = [];
  for (const file of report.testResults as FileResult[]) {
    const path = (file.name ?? '').startsWith(`${repo}/`) ? (file.name ?? '').slice(repo.length + 1) : (file.name ?? '');
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const test of failed) out.push(`  ${path} › ${test.fullName ?? ''}`, ...clip((test.failureMessages ?? []).join('\n')));
    if (failed.length === 0 && file.message) out.push(`  ${path}`, ...clip(file.message));
  }
  return out.join('\n');
}
