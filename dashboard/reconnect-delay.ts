// How long the page waits before reopening a dropped stream: doubling from 1 s, capped at 5 s, so a
// restarted operator is found again within seconds without a storm of reconnects.

/** Seconds before reconnect attempt `attempt` (0 for the first): 1, 2, 4, then 5. */
export function reconnectDelaySeconds(attempt: number): number {
  return Math.min(5, 2 ** Math.max(0, attempt));
}
