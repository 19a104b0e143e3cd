// The bench's count of the operator's API requests from the audit log: one per request, by verb and resource,
// per minute; its load during the setup, and its writes to pods' status (where a pod's time went).
import { podStatusWrites, ratePer, requestLoad, requestRates, type AuditEvent } from '../../bench/operator/audit.js';

const OP = 'system:serviceaccount:r4-system:r4-operator';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const event = (verb: string, resource: string, s: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  stage: 'ResponseComplete',
  verb,
  user: { username: OP },
  objectRef: { resource },
  requestReceivedTimestamp: at(s),
  ...extra,
});

test('counts each request once, by verb and resource, per minute within the window, for the operator only', () => {
  const events: AuditEvent[] = [
    event('get', 'secrets', 1),
    event('get', 'secrets', 20),
    event('patch', 'entropyappliances', 30, { objectRef: { resource: 'entropyappliances', subresource: 'status' } }),
    // A watch counts when it starts, not again when it ends.
    event('watch', 'pods', 5, { stage: 'ResponseStarted' }),
    event('watch', 'pods', 5),
    // Someone else, and outside the window.
    event('list', 'pods', 10, { user: { username: 'admin' } }),
    event('list', 'pods', 40),
  ];
  const rates = requestRates(events, OP, Date.parse(at(0)), Date.parse(at(30)) + 1);
  expect(rates.total).toBe(4);
  const perMinute = 60 / 30.001;
  expect(rates.perMinute.get('get secrets')).toBeCloseTo(2 * perMinute);
  expect(rates.perMinute.get('watch pods')).toBeCloseTo(perMinute);
  expect(rates.perMinute.has('list pods')).toBe(false);
  expect(ratePer(rates, ['patch', 'update'], '/status')).toBeCloseTo(perMinute);
  expect(ratePer(rates, ['list'])).toBe(0);
});

test('the load in a window: watches not counted, the busiest second found', () => {
  const events: AuditEvent[] = [
    event('get', 'secrets', 1),
    event('patch', 'pods', 2),
    event('patch', 'pods', 2),
    event('patch', 'pods', 2),
    event('watch', 'pods', 2, { stage: 'ResponseStarted' }),
    event('get', 'secrets', 2, { user: { username: 'admin' } }),
    event('get', 'secrets', 9),
  ];
  expect(requestLoad(events, OP, Date.parse(at(0)), Date.parse(at(4)))).toEqual({ total: 4, perSecond: 1, busiestSecond: 3 });
  expect(requestLoad([], OP, Date.parse(at(0)), Date.parse(at(4)))).toEqual({ total: 0, perSecond: 0, busiestSecond: 0 });
});

test("a pod's status writes by the operator, in the order received, with when each was answered", () => {
  const write = (name: string, s: number, extra: Partial<AuditEvent> = {}) =>
    event('patch', 'pods', s, { objectRef: { resource: 'pods', subresource: 'status', name }, stageTimestamp: at(s + 1), ...extra });
  const writes = podStatusWrites(
    [
      write('a', 5),
      write('a', 2),
      write('b', 3),
      // Not one: another user's, a label patch, a read, a stage before the answer.
      write('a', 4, { user: { username: 'kubelet' } }),
      event('patch', 'pods', 4, { objectRef: { resource: 'pods', name: 'a' } }),
      write('a', 4, { verb: 'get' }),
      write('a', 4, { stage: 'ResponseStarted' }),
    ],
    OP,
  );
  expect(writes.get('a')).toEqual([
    { receivedMs: Date.parse(at(2)), completedMs: Date.parse(at(3)) },
    { receivedMs: Date.parse(at(5)), completedMs: Date.parse(at(6)) },
  ]);
  expect(writes.get('b')).toHaveLength(1);
});
