// States as an icon and a word, never colour alone: the colour (a class) only repeats what the word says.
import type { ApplianceState } from '../api/dashboard/v1.js';

type Icon = 'check' | 'cross' | 'warning' | 'clock';

const PATHS: Record<Icon, string> = {
  check: 'M4 8.5l2.5 2.5L12 5.5',
  cross: 'M5 5l6 6M11 5l-6 6',
  warning: 'M8 4.5v4.5M8 11v.5',
  clock: 'M8 4.5V8l2.5 1.5',
};

function Glyph({ icon }: { icon: Icon }) {
  return (
    <svg class="glyph" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="7" />
      <path d={PATHS[icon]} />
    </svg>
  );
}

function Badge({ icon, tone, word, title }: { icon: Icon; tone: 'good' | 'bad' | 'warn' | 'wait'; word: string; title?: string }) {
  return (
    <span class={`badge ${tone}`} title={title}>
      <Glyph icon={icon} />
      {word}
    </span>
  );
}

const STATE_LOOK: Record<ApplianceState, { icon: Icon; tone: 'good' | 'bad' | 'warn' | 'wait' }> = {
  Trusted: { icon: 'check', tone: 'good' },
  Degraded: { icon: 'warning', tone: 'warn' },
  Unavailable: { icon: 'cross', tone: 'bad' },
  Progressing: { icon: 'clock', tone: 'wait' },
};

export function StateBadge({ state, title }: { state: ApplianceState; title?: string }) {
  return <Badge {...STATE_LOOK[state]} word={state} title={title} />;
}

const VERDICT_LOOK: Record<string, { icon: Icon; tone: 'good' | 'bad' | 'warn' | 'wait' }> = {
  Attested: { icon: 'check', tone: 'good' },
  Cordoned: { icon: 'cross', tone: 'bad' },
  Pending: { icon: 'clock', tone: 'wait' },
};

export function VerdictBadge({ verdict }: { verdict: string }) {
  return <Badge {...(VERDICT_LOOK[verdict] ?? { icon: 'warning', tone: 'warn' })} word={verdict} />;
}

/** "match" or "mismatch" between what a pod reports and what is in force; "unknown" when it reported nothing. */
export function MatchBadge({ actual, expected }: { actual: string | undefined; expected: string }) {
  if (!actual) return <Badge icon="clock" tone="wait" word="unknown" title={`expected ${expected}`} />;
  return actual === expected ? (
    <Badge icon="check" tone="good" word="match" title={`reported ${actual}`} />
  ) : (
    <Badge icon="cross" tone="bad" word="mismatch" title={`reported ${actual}, expected ${expected}`} />
  );
}
