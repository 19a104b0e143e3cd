// The bench's count of the operator's API requests from the audit log: one per request, by verb and resource, per minute.
import { ratePer, requestRates, type AuditEvent } from '../../bench/operator/audit.js';

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
