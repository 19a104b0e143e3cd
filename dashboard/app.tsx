// The page: a header that says whether the view is live, then the fleet or one appliance (hash routing),
// or the token form when the operator asks for one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApplianceView } from './appliance-view.js';
import { FleetView } from './fleet-view.js';
import { LiveConnection, type LiveView } from './live-connection.js';
import { LiveIndicator } from './live-indicator.js';
import { parseRoute } from './route.js';
import { TokenForm } from './token-form.js';

/** Relative times ("12 s ago") move on once a second. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [view, setView] = useState<LiveView | undefined>();
  const connection = useRef<LiveConnection | undefined>(undefined);
  const main = useRef<HTMLElement>(null);
  const now = useNow();

  useEffect(() => {
    const live = new LiveConnection(setView);
    connection.current = live;
    live.start();
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => {
      removeEventListener('hashchange', onHash);
      live.stop();
    };
  }, []);
  useEffect(() => {
    connection.current?.open(route);
    document.title = route.view === 'fleet' ? 'Fleet — r4 dashboard' : `${route.namespace}/${route.name} — r4 dashboard`;
    // After a navigation, keyboard and screen-reader users start at the new view's heading.
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route.view === 'fleet' ? '' : `${route.namespace}/${route.name}`]);

  const skip = (event: MouseEvent) => {
    // The hash is the route: move the focus instead of navigating.
    event.preventDefault();
    main.current?.focus();
  };

  return (
    <>
      <a class="skip-link" href="#main" onClick={skip}>
        Skip to content
      </a>
      <header class="top">
        <p class="brand">
          <a href="#/">r4 attestation dashboard</a>
        </p>
        {view && <LiveIndicator view={view} />}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {!view ? null : view.status === 'unauthorized' ? (
          <TokenForm refused={view.tokenRefused} onToken={(token) => connection.current?.setToken(token)} />
        ) : route.view === 'fleet' ? (
          <FleetView fleet={view.state.fleet} now={now} />
        ) : (
          <ApplianceView detail={view.state.detail} missing={view.applianceMissing} namespace={route.namespace} name={route.name} now={now} />
        )}
      </main>
    </>
  );
}
