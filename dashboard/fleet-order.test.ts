import { APPLIANCE_STATES, type ApplianceSummary } from '../api/dashboard/v1.js';
import { type FleetOrder, orderFleet, STATES_WORST_FIRST, toggleSort } from './fleet-order.js';

const appliance = (namespace: string, name: string, state: ApplianceSummary['state'], attested: number, createdAt: string, coreSha256 = 'aa'): ApplianceSummary => ({
  namespace, name, state, stateReason: '', stateMessage: '', replicas: 3, pods: 3, attested, cordoned: 3 - attested, pending: 0, available: attested, coreSha256, imageDigest: 'sha256:img', createdAt,
});
const fleet = [
  appliance('prod', 'beta', 'Trusted', 3, '2026-11-01T00:00:00Z'),
  appliance('dev', 'alpha', 'Degraded', 2, '2026-11-03T00:00:00Z', 'c0ffee'),
  appliance('prod', 'alpha', 'Unavailable', 0, '2026-11-02T00:00:00Z'),
  appliance('dev', 'gamma', 'Trusted', 3, '2026-11-04T00:00:00Z'),
];
const base: FleetOrder = { column: 'namespace', descending: false, text: '', state: 'all' };
const names = (order: Partial<FleetOrder>) => orderFleet(fleet, { ...base, ...order }).map((a) => `${a.namespace}/${a.name}`);

test.each<[string, Partial<FleetOrder>, string[]]>([
  ['namespace, then name', {}, ['dev/alpha', 'dev/gamma', 'prod/alpha', 'prod/beta']],
  ['namespace descending, ties still by name ascending', { descending: true }, ['prod/alpha', 'prod/beta', 'dev/alpha', 'dev/gamma']],
  ['name', { column: 'name' }, ['dev/alpha', 'prod/alpha', 'prod/beta', 'dev/gamma']],
  ['state: worst first', { column: 'state' }, ['prod/alpha', 'dev/alpha', 'dev/gamma', 'prod/beta']],
  ['attested, numerically', { column: 'attested' }, ['prod/alpha', 'dev/alpha', 'dev/gamma', 'prod/beta']],
  ['age: oldest first', { column: 'age' }, ['prod/beta', 'prod/alpha', 'dev/alpha', 'dev/gamma']],
  ['text filter on the name, any case', { text: ' ALPHA ' }, ['dev/alpha', 'prod/alpha']],
  ['text filter on the core hash', { text: 'c0ff' }, ['dev/alpha']],
  ['state filter', { state: 'Trusted' }, ['dev/gamma', 'prod/beta']],
  ['both filters', { state: 'Trusted', text: 'prod' }, ['prod/beta']],
  ['nothing matches', { text: 'zzz' }, []],
])('%s', (_name, order, expected) => {
  expect(names(order)).toEqual(expected);
});

test('orderFleet leaves its input alone', () => {
  const copy = [...fleet];
  orderFleet(fleet, { ...base, column: 'state' });
  expect(fleet).toEqual(copy);
});

test('toggleSort: a new column ascending, the same column flips', () => {
  expect(toggleSort(base, 'state')).toEqual({ ...base, column: 'state', descending: false });
  expect(toggleSort({ ...base, column: 'state' }, 'state')).toEqual({ ...base, column: 'state', descending: true });
  expect(toggleSort({ ...base, column: 'state', descending: true }, 'state').descending).toBe(false);
});

test('the state filter offers every state, worst first', () => {
  expect(STATES_WORST_FIRST).toEqual(['Unavailable', 'Degraded', 'Progressing', 'Trusted']);
  expect([...STATES_WORST_FIRST].sort()).toEqual([...APPLIANCE_STATES].sort());
});
