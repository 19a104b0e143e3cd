/**
 * Restart policy for the core: exponential backoff from 250 ms, capped at 30 s so a fixed fault is noticed
 * within half a minute; a core that ran for a minute counts as healthy and resets the count.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  stableMs: number;
}

export const CORE_RESTART_POLICY: BackoffPolicy = { baseMs: 250, capMs: 30_000, stableMs: 60_000 };

/** Delay before the next attempt after `consecutiveFailures` failed ones (0 = the first retry). */
export function restartDelayMs(consecutiveFailures: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(consecutiveFailures, 0), 30);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

/** A failure after a stable run starts the count again; otherwise it extends the streak. */
export function failuresAfter(previous: number, ranForMs: number, policy: BackoffPolicy): number {
  return ranForMs >= policy.stableMs ? 0 : previous + 1;
}
