// `r4 verify <file|-> --trust <file>`: checks /vrf answers and beacon pulses offline, and says exactly
// which check failed. The input is one answer or pulse, a JSON array of them, or one per line.
import { readFileSync } from 'node:fs';
import { nodeProvider } from '../vrf/node/provider.js';
import { looksLikePulse } from '../vrf/shape.js';
import { parseTrust } from '../vrf/trust.js';
import { verifyAnswer, verifyPulses, type CheckResult } from '../vrf/verify.js';
import { UsageError } from './usage.js';

export interface VerifyReport {
  ok: boolean;
  lines: string[];
}

/** One JSON value, or JSON lines; the items, in order. */
export function parseItems(text: string, what: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${what} is empty`);
  try {
    const json: unknown = JSON.parse(trimmed);
    return Array.isArray(json) ? json : [json];
  } catch {
    const lines = trimmed.split('\n').filter((line) => line.trim() !== '');
    return lines.map((line, index) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new UsageError(`${what} is neither JSON nor JSON lines (line ${index + 1} does not parse)`);
      }
    });
  }
}

export function readText(path: string, stdin: () => string): string {
  if (path === '-') return stdin();
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const line = (check: CheckResult, prefix: string) => `${check.ok ? 'ok  ' : 'FAIL'} ${prefix}${check.name}: ${check.detail}`;

export function verifyItems(items: readonly unknown[], trustJson: unknown): VerifyReport {
  const trust = parseTrust(trustJson);
  if (!trust.ok) throw new UsageError(trust.reason);
  const lines: string[] = [];
  let ok = true;
  const pulses = items.filter(looksLikePulse);
  items.forEach((item, index) => {
    if (looksLikePulse(item)) return;
    const result = verifyAnswer(item, trust.trust, nodeProvider);
    ok &&= result.ok;
    const prefix = items.length > 1 ? `answer ${index}: ` : '';
    lines.push(...result.checks.map((check) => line(check, prefix)));
  });
  if (pulses.length > 0) {
    const result = verifyPulses(pulses, trust.trust, nodeProvider);
    ok &&= result.ok;
    lines.push(...result.checks.map((check) => line(check, '')));
  }
  lines.push(ok ? `verified: ${items.length} item${items.length === 1 ? '' : 's'}, every check passed` : 'NOT VERIFIED: see the FAIL lines above');
  return { ok, lines };
}
