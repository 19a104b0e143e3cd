// One row per pod, virtualized: only the rows in view (and a margin) are in the DOM, so an appliance with
// a thousand pods scrolls as smoothly as one with three. Spacer rows stand in for the rest; their heights
// are set through the CSSOM (element.style), which the Content-Security-Policy allows, unlike style attributes.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DashboardPod } from '../api/dashboard/v1.js';
import { MatchBadge, VerdictBadge } from './badges.js';
import { Ago, ShortHash } from './time-text.js';
import { virtualWindow } from './virtual-window.js';

// The verdict and its reason come first: they are what the page is for, and stay in view on narrow screens.
const HEADERS = ['Pod', 'Verdict', 'Reason', 'Verdict since', 'Node', 'IP', 'Image digest (kubelet) vs expected', 'Core hash reported vs expected', 'Integrity', 'Self-test', 'Mode', 'Failures', 'Entry changed'];
/** Rows rendered beyond each edge of the view, so fast scrolling does not show blanks. */
const OVERSCAN = 15;
/** Until a row has been measured: the stylesheet's row height (2.25rem at 16px). */
const DEFAULT_ROW_HEIGHT = 36;

function Spacer({ height }: { height: number }) {
  const cell = useRef<HTMLTableCellElement>(null);
  useLayoutEffect(() => {
    if (cell.current) cell.current.style.height = `${height}px`;
  }, [height]);
  return (
    <tr class="spacer" aria-hidden="true">
      <td colSpan={HEADERS.length} ref={cell} />
    </tr>
  );
}

function PodRow({ pod, index, now }: { pod: DashboardPod; index: number; now: number }) {
  return (
    <tr data-pod={pod.name} aria-rowindex={index + 2} class={pod.verdict === 'Cordoned' ? 'cordoned' : undefined}>
      <th scope="row">{pod.name}</th>
      <td>
        <VerdictBadge verdict={pod.verdict} />
      </td>
      <td title={pod.message}>{pod.reason}</td>
      <td>
        <Ago at={pod.verdictSince} now={now} />
      </td>
      <td>{pod.node ?? '—'}</td>
      <td>{pod.podIP ?? '—'}</td>
      <td>
        <ShortHash value={pod.imageDigest} /> <MatchBadge actual={pod.imageDigest} expected={pod.expectedImageDigest} />
      </td>
      <td>
        <ShortHash value={pod.coreSha256} /> <MatchBadge actual={pod.coreSha256} expected={pod.expectedCoreSha256} />
      </td>
      <td>{pod.integrity ?? '—'}</td>
      <td>{pod.selftest ?? '—'}</td>
      <td>{pod.mode ?? '—'}</td>
      <td class="num">{pod.consecutiveFailures}</td>
      <td>
        <Ago at={pod.lastChecked} now={now} />
      </td>
    </tr>
  );
}

export function PodTable({ pods, now }: { pods: readonly DashboardPod[]; now: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [rowHeight, setRowHeight] = useState(DEFAULT_ROW_HEIGHT);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const resize = new ResizeObserver(() => setViewport(element.clientHeight));
    resize.observe(element);
    return () => resize.disconnect();
  }, []);
  useLayoutEffect(() => {
    const row = scroller.current?.querySelector<HTMLElement>('tbody tr[data-pod]');
    if (row && row.offsetHeight > 0 && row.offsetHeight !== rowHeight) setRowHeight(row.offsetHeight);
  });

  // One state update per animation frame, however many scroll events arrive.
  const frame = useRef(0);
  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(scroller.current?.scrollTop ?? 0));
  };
  const w = virtualWindow(pods.length, rowHeight, scrollTop, viewport, OVERSCAN);

  return (
    <div class="table-scroll pods" ref={scroller} onScroll={onScroll} tabIndex={0} role="region" aria-label={`Pods (${pods.length}), scrollable`}>
      <table aria-rowcount={pods.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            {HEADERS.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {w.before > 0 && <Spacer height={w.before} />}
          {pods.slice(w.start, w.end).map((pod, i) => (
            <PodRow key={pod.name} pod={pod} index={w.start + i} now={now} />
          ))}
          {w.after > 0 && <Spacer height={w.after} />}
        </tbody>
      </table>
    </div>
  );
}
