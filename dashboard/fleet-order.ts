// Which appliances the fleet table shows, and in what order: a text filter, a state filter and a sort column.
import type { ApplianceState, ApplianceSummary } from '../api/dashboard/v1.js';

export const SORT_COLUMNS = ['namespace', 'name', 'state', 'replicas', 'attested', 'cordoned', 'available', 'age'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export interface FleetOrder {
  column: SortColumn;
  descending: boolean;
  /** Matched, case-insensitively, against namespace, name, core hash and image digest. */
  text: string;
  state: ApplianceState | 'all';
}

/** Worst first, so sorting by state puts what needs attention on top. */
const STATE_RANK: Record<ApplianceState, number> = { Unavailable: 0, Degraded: 1, Progressing: 2, Trusted: 3 };

/** Every state, worst first (the Record above makes the compiler insist on all of them; importing the API's list would bundle its schemas). */
export const STATES_WORST_FIRST = Object.keys(STATE_RANK) as ApplianceState[];

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compare(a: ApplianceSummary, b: ApplianceSummary, column: SortColumn): number {
  switch (column) {
    case 'namespace':
    case 'name':
      return compareText(a[column], b[column]);
    case 'state':
      return STATE_RANK[a.state] - STATE_RANK[b.state];
    case 'age':
      // Oldest first: the largest age.
      return compareText(a.createdAt, b.createdAt);
    default:
      return a[column] - b[column];
  }
}

export function orderFleet(appliances: readonly ApplianceSummary[], order: FleetOrder): ApplianceSummary[] {
  const text = order.text.trim().toLowerCase();
  const shown = appliances.filter(
    (a) => (order.state === 'all' || a.state === order.state) && (!text || [a.namespace, a.name, a.coreSha256 ?? '', a.imageDigest ?? ''].some((field) => field.toLowerCase().includes(text))),
  );
  // Ties fall back to namespace/name, so the order is stable as changes arrive.
  const direction = order.descending ? -1 : 1;
  return shown.sort((a, b) => direction * compare(a, b, order.column) || compareText(a.namespace, b.namespace) || compareText(a.name, b.name));
}

/** Clicking a column's header: sort by it ascending, or flip the direction if it is already the column. */
export function toggleSort(order: FleetOrder, column: SortColumn): FleetOrder {
  return { ...order, column, descending: order.column === column ? !order.descending : false };
}
