// Times as people read them (relative), with the exact time one hover away.
import { formatAge, formatAgo } from './relative-time.js';

export function Ago({ at, now }: { at: string | undefined; now: number }) {
  return at ? (
    <time dateTime={at} title={at}>
      {formatAgo(at, now)}
    </time>
  ) : (
    <span>—</span>
  );
}

export function Age({ since, now }: { since: string; now: number }) {
  return (
    <time dateTime={since} title={since}>
      {formatAge(since, now)}
    </time>
  );
}

/** A hash or digest shortened to its first 12 hex digits; the full value in the title. */
export function ShortHash({ value }: { value: string | undefined }) {
  if (!value) return <span>—</span>;
  const hex = value.replace(/^sha256:/, '');
  return (
    <code class="hash" title={value}>
      {value.startsWith('sha256:') ? 'sha256:' : ''}
      {hex.slice(0, 12)}
    </code>
  );
}
