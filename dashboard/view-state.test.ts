import type { ApplianceDetail, ApplianceSummary, DashboardPod, Fleet, StreamMessage } from '../api/dashboard/v1.js';
import { applyMessage, applyMessages, EVENTS_KEPT } from './view-state.js';

const summary = (name: string, attested = 2): ApplianceSummary => ({
  namespace: 'ns', name, state: 'Trusted', stateReason: 'Attested', stateMessage: '', replicas: 2, pods: 2, attested, cordoned: 2 - attested, pending: 0, available: attested, createdAt: '2026-11-30T00:00:00Z',
});
const pod = (name: string, verdict: DashboardPod['verdict'] = 'Attested'): DashboardPod => ({
  name, phase: 'Running', ready: verdict === 'Attested', expectedImageDigest: 'sha256:i', expectedCoreSha256: 'c', verdict, reason: verdict, message: '', consecutiveFailures: 0,
});
const fleet = (revision: number): Fleet => ({ revision, replica: 'op-0', leader: true, appliances: [summary('a'), summary('b')] });
const detail = (revision: number): ApplianceDetail => ({ revision, summary: summary('a'), pods: [pod('a-0'), pod('a-1')], conditions: [], events: [], history: [] });

const podsMessage = (revision: number, name = 'a'): StreamMessage => ({ type: 'pods', data: { revision, namespace: 'ns', name, upserted: [pod('a-1', 'Cordoned'), pod('a-2')], removed: ['a-0'] } });

test('a summary change replaces that appliance in the fleet and in the open detail', () => {
  const message: StreamMessage = { type: 'appliance', data: { revision: 6, summary: summary('a', 1) } };
  const next = applyMessage({ fleet: fleet(5), detail: detail(5) }, message);
  expect(next.fleet?.revision).toBe(6);
  expect(next.fleet?.appliances.find((a) => a.name === 'a')?.attested).toBe(1);
  expect(next.fleet?.appliances).toHaveLength(2);
  expect(next.detail?.summary.attested).toBe(1);
});

test('a new appliance is added; a removed one leaves the fleet and closes its detail', () => {
  const added = applyMessage({ fleet: fleet(1) }, { type: 'appliance', data: { revision: 2, summary: summary('c') } });
  expect(added.fleet?.appliances.map((a) => a.name)).toEqual(['a', 'b', 'c']);
  const removed = applyMessage({ fleet: fleet(1), detail: detail(1) }, { type: 'appliance-removed', data: { revision: 2, namespace: 'ns', name: 'a' } });
  expect(removed.fleet?.appliances.map((a) => a.name)).toEqual(['b']);
  expect(removed.detail).toBeUndefined();
});

test('pod changes upsert and remove by name, kept in name order', () => {
  const next = applyMessage({ detail: detail(1) }, podsMessage(2));
  expect(next.detail?.pods.map((p) => [p.name, p.verdict])).toEqual([['a-1', 'Cordoned'], ['a-2', 'Attested']]);
  expect(next.detail?.revision).toBe(2);
});

test('changes no newer than a part are ignored (they raced its snapshot)', () => {
  const state = { fleet: fleet(5), detail: detail(5) };
  expect(applyMessage(state, podsMessage(5))).toBe(state);
  expect(applyMessage(state, { type: 'appliance', data: { revision: 4, summary: summary('a', 0) } })).toBe(state);
});

test('each part keeps its own revision: the fleet snapshot may be older than the detail', () => {
  const next = applyMessage({ fleet: fleet(3), detail: detail(8) }, { type: 'appliance', data: { revision: 5, summary: summary('a', 0) } });
  expect(next.fleet?.appliances.find((a) => a.name === 'a')?.attested).toBe(0);
  expect(next.detail?.summary.attested).toBe(2);
});

test("another appliance's changes leave the detail alone", () => {
  const state = { detail: detail(1) };
  expect(applyMessage(state, podsMessage(2, 'b'))).toBe(state);
});

test('a detail message replaces the conditions, and drops the VRF keys when it has none', () => {
  const vrf = { keys: { suite: 's', signature_algorithm: 'a', appliance: 'a', keys: [], beacon: { chain_id: 'c', period_seconds: 30, genesis: '2026-11-30T00:00:00Z' } }, latestRound: 3 };
  const condition = { type: 'Available', status: 'True' as const, lastTransitionTime: '2026-11-30T00:00:00Z', reason: 'Attested', message: '' };
  const withVrf = applyMessage({ detail: detail(1) }, { type: 'detail', data: { revision: 2, namespace: 'ns', name: 'a', conditions: [condition], vrf } });
  expect(withVrf.detail?.vrf).toEqual(vrf);
  expect(withVrf.detail?.conditions).toEqual([condition]);
  const without = applyMessage(withVrf, { type: 'detail', data: { revision: 3, namespace: 'ns', name: 'a', conditions: [] } });
  expect(without.detail && 'vrf' in without.detail).toBe(false);
});

test('events are newest first, replaced by uid, and bounded', () => {
  const event = (uid: string, at: string) => ({ uid, type: 'Normal' as const, reason: 'R', message: uid, object: 'Pod/a-0', count: 1, at });
  let state = { detail: detail(0) };
  for (let i = 0; i < EVENTS_KEPT + 5; i++) state = applyMessage(state, { type: 'event', data: { revision: i + 1, namespace: 'ns', name: 'a', event: event(`e${i}`, new Date(Date.UTC(2026, 10, 30, 0, i)).toISOString()) } }) as typeof state;
  expect(state.detail.events).toHaveLength(EVENTS_KEPT);
  expect(state.detail.events[0]?.uid).toBe(`e${EVENTS_KEPT + 4}`);
  const again = applyMessage(state, { type: 'event', data: { revision: 100, namespace: 'ns', name: 'a', event: { ...event('e54', '2026-11-30T05:00:00Z'), count: 2 } } });
  expect(again.detail?.events.filter((e) => e.uid === 'e54')).toEqual([expect.objectContaining({ count: 2 })]);
});

test('verdict changes go to the top of the history', () => {
  const change = { pod: 'a-1', at: '2026-11-30T01:00:00Z', verdict: 'Cordoned' as const, reason: 'HashMismatch', message: '', source: 'status' as const };
  const next = applyMessage({ detail: { ...detail(1), history: [{ ...change, verdict: 'Attested', reason: 'Attested', at: '2026-11-30T00:00:00Z' }] } }, { type: 'verdict-change', data: { revision: 2, namespace: 'ns', name: 'a', change } });
  expect(next.detail?.history.map((c) => c.verdict)).toEqual(['Cordoned', 'Attested']);
});

test('heartbeats carry leadership to the fleet and change nothing else', () => {
  const next = applyMessage({ fleet: fleet(5), detail: detail(5) }, { type: 'heartbeat', data: { revision: 9, leader: false } });
  expect(next.fleet?.leader).toBe(false);
  expect(next.fleet?.revision).toBe(5);
});

test('applyMessages replays in order', () => {
  const next = applyMessages({ detail: detail(1) }, [podsMessage(1), podsMessage(2), { type: 'pods', data: { revision: 3, namespace: 'ns', name: 'a', upserted: [], removed: ['a-2'] } }]);
  expect(next.detail?.pods.map((p) => p.name)).toEqual(['a-1']);
});
