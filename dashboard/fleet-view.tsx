// Every appliance, one row each, sortable and filterable.
import { useMemo, useState } from 'preact/hooks';
import type { ApplianceState, Fleet } from '../api/dashboard/v1.js';
import { StateBadge } from './badges.js';
import { type FleetOrder, orderFleet, type SortColumn, STATES_WORST_FIRST, toggleSort } from './fleet-order.js';
import { applianceHref } from './route.js';
import { TableScroll } from './table-scroll.js';
import { Age, ShortHash } from './time-text.js';

const COLUMNS: readonly { column: SortColumn; label: string; numeric?: boolean }[] = [
  { column: 'namespace', label: 'Namespace' },
  { column: 'name', label: 'Name' },
  { column: 'state', label: 'State' },
  { column: 'replicas', label: 'Replicas', numeric: true },
  { column: 'attested', label: 'Attested', numeric: true },
  { column: 'cordoned', label: 'Cordoned', numeric: true },
  { column: 'available', label: 'Available', numeric: true },
];

function SortHeader({ label, column, order, onSort, numeric }: { label: string; column: SortColumn; order: FleetOrder; onSort: (c: SortColumn) => void; numeric?: boolean }) {
  const sorted = order.column === column;
  return (
    <th scope="col" class={numeric ? 'num' : undefined} aria-sort={sorted ? (order.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort" onClick={() => onSort(column)}>
        {label}
        <span class="arrow" aria-hidden="true">
          {sorted ? (order.descending ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </th>
  );
}

export function FleetView({ fleet, now }: { fleet: Fleet | undefined; now: number }) {
  const [order, setOrder] = useState<FleetOrder>({ column: 'namespace', descending: false, text: '', state: 'all' });
  const onSort = (column: SortColumn) => setOrder((o) => toggleSort(o, column));
  // Sorted again only when the appliances or the order change, not on every tick of the clock.
  const appliances = fleet?.appliances;
  const shown = useMemo(() => (appliances ? orderFleet(appliances, order) : []), [appliances, order]);
  if (!fleet) return <p class="loading">Loading the fleet…</p>;
  return (
    <section aria-labelledby="fleet-heading">
      <h1 id="fleet-heading" tabIndex={-1}>
        Fleet
      </h1>
      <div class="filters">
        <label>
          Filter
          <input type="search" value={order.text} placeholder="namespace, name or hash" onInput={(e) => setOrder((o) => ({ ...o, text: e.currentTarget.value }))} />
        </label>
        <label>
          State
          <select value={order.state} onChange={(e) => setOrder((o) => ({ ...o, state: e.currentTarget.value as ApplianceState | 'all' }))}>
            <option value="all">All states</option>
            {STATES_WORST_FIRST.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <p class="count" aria-live="polite">
          {shown.length} of {fleet.appliances.length} appliances
        </p>
      </div>
      <TableScroll label="Appliances">
        <table class="fleet">
          <caption class="visually-hidden">Appliances, sorted by {order.column}</caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <SortHeader {...c} order={order} onSort={onSort} />
              ))}
              <th scope="col">Core hash</th>
              <th scope="col">Image digest</th>
              <SortHeader label="Age" column="age" order={order} onSort={onSort} />
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={`${a.namespace}/${a.name}`} data-appliance={`${a.namespace}/${a.name}`}>
                <td>{a.namespace}</td>
                <th scope="row">
                  <a href={applianceHref(a.namespace, a.name)}>{a.name}</a>
                </th>
                <td>
                  <StateBadge state={a.state} title={[a.stateReason, a.stateMessage].filter(Boolean).join(': ')} />
                </td>
                <td class="num">{a.replicas}</td>
                <td class="num">{a.attested}</td>
                <td class="num">{a.cordoned}</td>
                <td class="num">{a.available}</td>
                <td>
                  <ShortHash value={a.coreSha256} />
                </td>
                <td>
                  <ShortHash value={a.imageDigest} />
                </td>
                <td>
                  <Age since={a.createdAt} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
