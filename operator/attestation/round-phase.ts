// When an appliance's rounds fall within its interval: at a phase fixed by a hash of its key, so a hundred
// appliances of one interval do not all probe in the same second (and keep their phases across a change of
// leader, which schedules them all at once).
import { createHash } from 'node:crypto';

/** The appliance's phase within an interval, in [0, intervalMs). */
export function roundPhaseMs(applianceKey: string, intervalMs: number): number {
  return createHash('sha256').update(applianceKey).digest().readUInt32BE(0) % intervalMs;
}

/** How long from `now` until the appliance's next round, in (0, intervalMs]. */
export function untilNextRoundMs(applianceKey: string, intervalMs: number, now: number): number {
  const wait = (roundPhaseMs(applianceKey, intervalMs) - (now % intervalMs) + intervalMs) % intervalMs;
  return wait === 0 ? intervalMs : wait;
}
