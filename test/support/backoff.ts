// Bounded polling with exponential backoff: every wait in the harness goes through here, so none is
// unbounded and none spins.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Calls `attempt` until it returns a value other than undefined, doubling the pause between tries from
 * firstDelayMs up to maxDelayMs. After timeoutMs it throws, with `describeFailure()` as the reason.
 */
export async function pollUntil<T>(
  attempt: () => Promise<T | undefined>,
  options: PollOptions,
  describeFailure: () => string | Promise<string>,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.firstDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 1000;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(await describeFailure());
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** Retries a failing call up to `attempts` times with doubling pauses; the last error is rethrown. */
export async function retry<T>(call: () => Promise<T>, attempts: number, firstDelayMs = 200): Promise<T> {
  let delay = firstDelayMs;
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(delay);
      delay *= 2;
    }
  }
}
