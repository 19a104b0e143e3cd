import type { VerdictChange } from '../../api/dashboard/v1.js';
import { VerdictHistory } from './history.js';

const change = (pod: string, at: string, verdict: VerdictChange['verdict'], reason = verdict === 'Attested' ? 'Attested' : 'HashMismatch', source: VerdictChange['source'] = 'status'): VerdictChange => ({
  pod,
  at: `2026-01-01T00:${at}Z`,
  verdict,
  reason,
  message: '',
  source,
});

describe('VerdictHistory', () => {
  test('keeps changes only: the same verdict seen again (status, then its Event) is kept once, at its earliest time', () => {
    const h = new VerdictHistory();
    expect(h.add('ns/a', change('p', '00:00', 'Attested'))).toBeDefined();
    expect(h.add('ns/a', change('p', '00:01', 'Attested', 'Attested', 'event'))).toBeUndefined();
    expect(h.add('ns/a', change('p', '05:00', 'Cordoned'))).toBeDefined();
    expect(h.of('ns/a').map((c) => [c.at.slice(14, 19), c.verdict])).toEqual([['05:00', 'Cordoned'], ['00:00', 'Attested']]);
  });

  test('an Event read after a restart fills in the past before what the status shows now', () => {
    const h = new VerdictHistory();
    h.add('ns/a', change('p', '10:00', 'Cordoned'));
    expect(h.add('ns/a', change('p', '01:00', 'Attested', 'Attested', 'event'))).toBeDefined();
    // The Event of the cordon itself, a little before the status recorded it: the earlier time is kept,
    // with the source that told it first (so a page that got it live and one loaded later agree).
    expect(h.add('ns/a', change('p', '09:59', 'Cordoned', 'HashMismatch', 'event'))).toBeUndefined();
    expect(h.of('ns/a').map((c) => [c.at.slice(14, 19), c.verdict, c.source])).toEqual([
      ['09:59', 'Cordoned', 'status'],
      ['01:00', 'Attested', 'event'],
    ]);
  });

  test('a different reason is a change', () => {
    const h = new VerdictHistory();
    h.add('ns/a', change('p', '00:00', 'Cordoned', 'Unreachable'));
    expect(h.add('ns/a', change('p', '01:00', 'Cordoned', 'HashMismatch'))).toBeDefined();
  });

  test('bounded per pod and in pods; forgetting an appliance drops its pods', () => {
    const h = new VerdictHistory({ perPod: 3, pods: 2 });
    for (let i = 0; i < 10; i++) h.add('ns/a', change('p', `0${i}:00`, i % 2 === 0 ? 'Attested' : 'Cordoned'));
    expect(h.of('ns/a')).toHaveLength(3);
    expect(h.of('ns/a')[0]?.at).toContain('09:00');
    h.add('ns/b', change('q', '20:00', 'Attested'));
    h.add('ns/b', change('r', '21:00', 'Attested'));
    // Three pods for a limit of two: p, whose last change is oldest, goes.
    expect(h.of('ns/a')).toEqual([]);
    expect(h.of('ns/b').map((c) => c.pod)).toEqual(['r', 'q']);
    h.forget('ns/b');
    expect(h.of('ns/b')).toEqual([]);
    h.add('ns/c', change('s', '22:00', 'Attested'));
    h.add('ns/c', change('t', '23:00', 'Attested'));
    expect(h.of('ns/c')).toHaveLength(2);
  });
});
