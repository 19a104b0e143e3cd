// "12 s ago", "3 h" and friends: how long ago something happened, in the largest unit that fits.

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

/** A duration in its largest whole unit: "0 s", "59 s", "2 min", "5 h", "3 d". Negative durations (clock skew) count as 0. */
export function formatDuration(milliseconds: number): string {
  const ms = Math.max(0, milliseconds);
  for (const [unit, size] of UNITS) if (ms >= size || unit === 's') return `${Math.floor(ms / size)} ${unit}`;
  return '0 s';
}

/** How long before `now` the ISO time `at` was: "5 min ago"; "—" when there is no time or it does not parse. */
export function formatAgo(at: string | undefined, now: number): string {
  const time = at ? Date.parse(at) : Number.NaN;
  return Number.isNaN(time) ? '—' : `${formatDuration(now - time)} ago`;
}

/** An appliance's age, as kubectl shows it: "3 d", "5 h". */
export function formatAge(createdAt: string, now: number): string {
  const time = Date.parse(createdAt);
  return Number.isNaN(time) ? '—' : formatDuration(now - time);
}
