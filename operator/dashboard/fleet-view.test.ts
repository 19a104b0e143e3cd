import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { StreamMessage } from '../../api/dashboard/v1.js';
import type { PodStatusEntry } from '../../api/v1alpha1/types.js';
import { FleetView, type Appliance } from './fleet-view.js';

const condition = (type: string, status: 'True' | 'False', reason: string) => ({ type, status, reason, message: reason, lastTransitionTime: '2026-01-01T00:00:00Z' });
const entry = (name: string, verdict: PodStatusEntry['verdict'], reason: string, since: string): PodStatusEntry => ({ name, verdict, reason, message: reason, consecutiveFailures: 0, verdictSince: since });

function appliance(pods: PodStatusEntry[], degraded = false): Appliance {
  return {
    apiVersion: 'r4.dev/v1alpha1',
    kind: 'EntropyAppliance',
    metadata: { name: 'demo', namespace: 'ns', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
    spec: { apiKeySecretRef: { name: 'keys' }, replicas: 2 },
    status: {
      expectedCoreSha256: 'c'.repeat(64),
      imageDigest: `sha256:${'d'.repeat(64)}`,
      conditions: [condition('Available', 'True', 'Attested'), condition('Degraded', degraded ? 'True' : 'False', degraded ? 'PodsCordoned' : 'NoPodsCordoned')],
      pods,
    },
  };
}

const pod = (name: string, ready = true): V1Pod => ({
  metadata: { name, namespace: 'ns', labels: { 'r4.dev/appliance': 'demo' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'demo-1', uid: 'u', controller: true }] },
  spec: { nodeName: 'node-1', containers: [] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function watched() {
  const view = new FleetView({ replica: 'op-1', leader: () => true, synced: () => true, now: () => Date.parse('2026-01-01T00:10:00Z') });
  const messages: StreamMessage[] = [];
  view.subscribe((m) => messages.push(structuredClone(m)));
  return { view, messages, types: () => messages.map((m) => m.type) };
}

describe('FleetView', () => {
  test('an appliance seen: its summary and every pod once; then only what changes, each with the next revision', () => {
    const { view, messages, types } = watched();
    view.podChanged('add', pod('demo-a'));
    view.podChanged('add', pod('demo-b'));
    view.applianceChanged('add', appliance([entry('demo-a', 'Attested', 'Attested', '2026-01-01T00:01:00Z'), entry('demo-b', 'Attested', 'Attested', '2026-01-01T00:01:00Z')]));
    expect(types()).toEqual(['appliance', 'pods', 'verdict-change', 'verdict-change']);
    expect(messages.map((m) => m.data.revision)).toEqual([1, 2, 3, 4]);
    messages.length = 0;

    // demo-b is cordoned: only its row, the summary, the conditions and one history entry are sent.
    view.applianceChanged('update', appliance([entry('demo-a', 'Attested', 'Attested', '2026-01-01T00:01:00Z'), entry('demo-b', 'Cordoned', 'HashMismatch', '2026-01-01T00:09:00Z')], true));
    expect(types()).toEqual(['appliance', 'pods', 'detail', 'verdict-change']);
    const pods = messages.find((m) => m.type === 'pods');
    expect(pods?.type === 'pods' && pods.data.upserted.map((r) => [r.name, r.verdict, r.reason])).toEqual([['demo-b', 'Cordoned', 'HashMismatch']]);
    const summary = messages.find((m) => m.type === 'appliance');
    expect(summary?.type === 'appliance' && [summary.data.summary.state, summary.data.summary.cordoned]).toEqual(['Degraded', 1]);
    expect(view.fleet()).toMatchObject({ revision: 8, replica: 'op-1', leader: true, appliances: [{ name: 'demo', state: 'Degraded' }] });
    messages.length = 0;

    // The same status again: nothing to send.
    view.applianceChanged('update', appliance([entry('demo-a', 'Attested', 'Attested', '2026-01-01T00:01:00Z'), entry('demo-b', 'Cordoned', 'HashMismatch', '2026-01-01T00:09:00Z')], true));
    expect(types()).toEqual([]);

    // The kubelet takes demo-b out of Ready: its row changes, nothing else.
    view.podChanged('update', pod('demo-b', false));
    expect(types()).toEqual(['pods']);
    messages.length = 0;

    view.applianceChanged('delete', appliance([]));
    expect(types()).toEqual(['appliance-removed']);
    expect(view.fleet().appliances).toEqual([]);
    expect(view.appliance('ns', 'demo')).toBeUndefined();
  });

  test('Events: listed newest first and bounded; a verdict Event read after a restart fills the history', () => {
    const { view, types } = watched();
    const event = (i: number, reason: string, message: string): CoreV1Event => ({
      metadata: { name: `demo.${i}`, namespace: 'ns', uid: `e${i}` },
      involvedObject: { kind: 'EntropyAppliance', name: 'demo', namespace: 'ns' },
      reason,
      message,
      type: 'Normal',
      count: 1,
      lastTimestamp: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000),
    });
    view.eventChanged('add', event(0, 'PodAttested', 'pod demo-a: signed'));
    view.applianceChanged('add', appliance([entry('demo-a', 'Cordoned', 'Unreachable', '2026-01-01T00:05:00Z')], true));
    for (let i = 1; i <= 60; i++) view.eventChanged('add', event(i, 'CertificateIssued', `certificate ${i}`));
    expect(types().filter((t) => t === 'event')).toHaveLength(60);
    const detail = view.appliance('ns', 'demo');
    expect(detail?.events).toHaveLength(50);
    expect(detail?.events[0]?.message).toBe('certificate 60');
    expect(detail?.history.map((c) => [c.verdict, c.reason, c.source])).toEqual([
      ['Cordoned', 'Unreachable', 'status'],
      ['Attested', 'Attested', 'event'],
    ]);
    // Events about pods directly, or by other components, are not the dashboard's (the watch selects them out too).
    view.eventChanged('add', { ...event(99, 'PodAttested', 'pod demo-a: x'), involvedObject: { kind: 'Pod', name: 'demo-a', namespace: 'ns' } });
    expect(view.appliance('ns', 'demo')?.events[0]?.message).toBe('certificate 60');
  });
});
