// Whether a changed keyset may replace the one in force. A beacon round, once begun, has one output, and
// the pulse of the round in progress already committed to the next one's: a change that would move any of
// those rounds to another key (a key added with an active_from already passed, a key removed or moved) is
// refused, and the keys in force stay. The operator adds keys with a lead time (docs/vrf.md), so it never
// trips this; a keyset edited by hand might.
import { keyActiveAt, type VrfKeyMaterial } from '../../contracts/vrf-keyset.js';
import { currentRound, roundStartMs, type BeaconSchedule } from '../../vrf/beacon.js';

/** The part of a key that decides which rounds it serves. */
type KeyTerm = Pick<VrfKeyMaterial, 'key_id' | 'active_from'>;

/** Why `next` may not replace `current` at `nowMs`, or null when it may. */
export function keysetChangeProblem(current: { keys: KeyTerm[] }, next: { keys: KeyTerm[] }, schedule: BeaconSchedule, nowMs: number): string | null {
  const kept = new Set(next.keys.map((k) => `${k.key_id}@${k.active_from}`));
  const dropped = current.keys.find((k) => !kept.has(`${k.key_id}@${k.active_from}`));
  if (dropped !== undefined) return `it drops or moves key ${dropped.key_id}, which answers and pulses were signed with`;
  // Everything up to the start of the round after the one in progress is fixed (its output is committed to).
  const horizon = Math.max(nowMs, roundStartMs(schedule, currentRound(schedule, nowMs) + 1));
  const before = current.keys.filter((k) => Date.parse(k.active_from) <= horizon).map((k) => k.key_id);
  const after = next.keys.filter((k) => Date.parse(k.active_from) <= horizon).map((k) => k.key_id);
  if (before.join() !== after.join() || keyActiveAt(current.keys, horizon).key_id !== keyActiveAt(next.keys, horizon).key_id) {
    return `a key it adds is active from ${new Date(horizon).toISOString()} or earlier: rounds already begun or committed to would change; make a new key active later`;
  }
  return null;
}
