// Waiting for the cluster to reach a state, with a failure message a person can act on: what was awaited,
// for how long, and the last state of the objects involved (or the last error while reading them).
import { stringify } from 'yaml';
import { pollUntil } from './backoff.js';

export interface Observation<T> {
  /** True once the awaited state is reached. */
  ok: boolean;
  /** What was observed: returned on success, shown on timeout. */
  state: T;
}

const maxStateChars = 6000;

/** Drops what makes objects unreadable in a failure message. */
function readable(state: unknown): unknown {
  return JSON.parse(
    JSON.stringify(state ?? null, (key, value: unknown) => (key === 'managedFields' ? undefined : value)),
  );
}

function describeState(state: unknown): string {
  const text = stringify(readable(state));
  return text.length > maxStateChars ? `${text.slice(0, maxStateChars)}\n... (${text.length - maxStateChars} more characters)` : text;
}

export async function waitFor<T>(
  condition: () => Promise<Observation<T>>,
  timeoutMs: number,
  description: string,
): Promise<T> {
  let last: { state?: T; error?: unknown } = {};
  return pollUntil(
    async () => {
      try {
        const observed = await condition();
        last = { state: observed.state };
        return observed.ok ? observed.state : undefined;
      } catch (error) {
        last = { error };
        return undefined;
      }
    },
    { timeoutMs, firstDelayMs: 100, maxDelayMs: 1000 },
    () =>
      `timed out after ${timeoutMs / 1000}s waiting for ${description}; ` +
      ('error' in last ? `the last check failed: ${String(last.error)}` : `last state:\n${describeState(last.state)}`),
  );
}
