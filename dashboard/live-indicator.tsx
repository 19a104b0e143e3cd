// Whether what the page shows is current, said in words (and announced politely to screen readers),
// and which operator replica serves it.
import type { LiveView } from './live-connection.js';

export function LiveIndicator({ view }: { view: LiveView }) {
  const text = view.status === 'live' ? 'Live' : view.status === 'connecting' ? 'Connecting…' : view.status === 'unauthorized' ? 'Token needed' : 'Stale — reconnecting…';
  return (
    <div class="connection">
      <p class={`live ${view.status}`} role="status" aria-live="polite" data-status={view.status} title={view.status === 'stale' ? view.problem : undefined}>
        <span class="dot" aria-hidden="true" />
        {text}
      </p>
      {view.replica && (
        <p class="replica">
          Served by <code>{view.replica}</code> ({view.leader ? 'leader' : 'standby'})
        </p>
      )}
    </div>
  );
}
