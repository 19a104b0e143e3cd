// The dashboard's view of the fleet, kept by every replica from its own watches: appliances, their pods
// and the operator's Events go in; snapshots and a stream of changes (never whole snapshots) come out.
// Each change is computed once and given the next revision, so a client that fetched a snapshot at
// revision r applies exactly the changes after r.
import type { CoreV1Event, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { ApplianceDetail, ApplianceSummary, DashboardEvent, DashboardPod, Fleet, StreamMessage } from '../../api/dashboard/v1.js';
import { KIND } from '../../api/v1alpha1/group.js';
import { APPLIANCE_LABEL } from '../../api/v1alpha1/labels.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { ChangeKind } from '../manager/informer.js';
import type { DashboardSource } from './source.js';
import { VerdictHistory } from './history.js';
import { dashboardEvent, podRows, summary, verdictChangeFromEvent, verdictChangeFromRow, vrfView } from './view-model.js';

/** Recent Events kept per appliance. */
const EVENTS_PER_APPLIANCE = 50;

export type Appliance = EntropyAppliance & KubernetesObject;

interface Entry {
  appliance: Appliance;
  summary: ApplianceSummary;
  rows: Map<string, { row: DashboardPod; json: string }>;
  /** Conditions and VRF keys as last sent. */
  detailJson: string;
  summaryJson: string;
}

export interface FleetViewOptions {
  replica: string;
  leader: () => boolean;
  /** Whether every watch behind the view has listed once. */
  synced: () => boolean;
  now?: () => number;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class FleetView implements DashboardSource {
  private readonly entries = new Map<string, Entry>();
  /** Pods by appliance key, then by name. */
  private readonly pods = new Map<string, Map<string, V1Pod>>();
  /** Events by appliance key, newest last, bounded. */
  private readonly events = new Map<string, DashboardEvent[]>();
  private readonly history = new VerdictHistory();
  private readonly listeners = new Set<(message: StreamMessage) => void>();
  private revision = 0;
  private readonly now: () => number;

  constructor(private readonly options: FleetViewOptions) {
    this.now = options.now ?? Date.now;
  }

  synced(): boolean {
    return this.options.synced();
  }

  status(): { revision: number; replica: string; leader: boolean } {
    return { revision: this.revision, replica: this.options.replica, leader: this.options.leader() };
  }

  fleet(): Fleet {
    const appliances = [...this.entries.values()].map((e) => e.summary).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return { ...this.status(), appliances };
  }

  appliance(namespace: string, name: string): ApplianceDetail | undefined {
    const key = keyOf(namespace, name);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const vrf = vrfView(entry.appliance, this.now());
    return {
      revision: this.revision,
      summary: entry.summary,
      pods: [...entry.rows.values()].map((r) => r.row),
      conditions: entry.appliance.status?.conditions ?? [],
      events: [...(this.events.get(key) ?? [])].reverse(),
      history: this.history.of(key),
      ...(vrf && { vrf }),
    };
  }

  subscribe(listener: (message: StreamMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  applianceChanged(kind: ChangeKind, appliance: Appliance): void {
    const namespace = appliance.metadata.namespace ?? 'default';
    const name = appliance.metadata.name;
    const key = keyOf(namespace, name);
    if (kind === 'delete') {
      if (!this.entries.delete(key)) return;
      this.history.forget(key);
      this.events.delete(key);
      this.emit({ type: 'appliance-removed', data: { revision: 0, namespace, name } });
      return;
    }
    const entry = this.entries.get(key);
    if (entry) entry.appliance = appliance;
    this.refresh(key, appliance, entry);
  }

  podChanged(kind: ChangeKind, pod: V1Pod): void {
    const appliance = pod.metadata?.labels?.[APPLIANCE_LABEL];
    const name = pod.metadata?.name;
    if (!appliance || !name) return;
    const key = keyOf(pod.metadata?.namespace ?? 'default', appliance);
    const pods = this.pods.get(key) ?? new Map<string, V1Pod>();
    this.pods.set(key, pods);
    if (kind === 'delete') pods.delete(name);
    else pods.set(name, pod);
    if (pods.size === 0) this.pods.delete(key);
    const entry = this.entries.get(key);
    if (entry) this.refresh(key, entry.appliance, entry);
  }

  /** An Event about an appliance (the operator records every pod's on its appliance too). */
  eventChanged(kind: ChangeKind, event: CoreV1Event): void {
    if (kind === 'delete' || event.involvedObject?.kind !== KIND || !event.involvedObject.name) return;
    const namespace = event.involvedObject.namespace ?? event.metadata?.namespace ?? 'default';
    const name = event.involvedObject.name;
    const key = keyOf(namespace, name);
    const view = dashboardEvent(event);
    const list = (this.events.get(key) ?? []).filter((e) => e.uid !== view.uid);
    let at = list.length;
    while (at > 0 && Date.parse(list[at - 1]?.at ?? '') > Date.parse(view.at)) at--;
    list.splice(at, 0, view);
    if (list.length > EVENTS_PER_APPLIANCE) list.splice(0, list.length - EVENTS_PER_APPLIANCE);
    this.events.set(key, list);
    if (this.entries.has(key)) this.emit({ type: 'event', data: { revision: 0, namespace, name, event: view } });
    const change = verdictChangeFromEvent(view);
    if (change) this.recordChange(namespace, name, change);
  }

  private recordChange(namespace: string, name: string, change: Parameters<VerdictHistory['add']>[1]): void {
    const news = this.history.add(keyOf(namespace, name), change);
    if (news && this.entries.has(keyOf(namespace, name))) this.emit({ type: 'verdict-change', data: { revision: 0, namespace, name, change: news } });
  }

  /** Recomputes one appliance and sends what changed: its summary, the pods that changed, its conditions or keys. */
  private refresh(key: string, appliance: Appliance, entry: Entry | undefined): void {
    const namespace = appliance.metadata.namespace ?? 'default';
    const name = appliance.metadata.name;
    const rows = podRows(appliance, [...(this.pods.get(key)?.values() ?? [])]);
    const next = summary(appliance, rows);
    const summaryJson = JSON.stringify(next);
    const vrf = vrfView(appliance, this.now());
    const conditions = appliance.status?.conditions ?? [];
    // The round number advances with the clock, not with the status: only the keys count as a change.
    const detailJson = JSON.stringify([conditions, vrf?.keys]);
    const rowMap = new Map(rows.map((row) => [row.name, { row, json: JSON.stringify(row) }]));
    const upserted = rows.filter((row) => entry?.rows.get(row.name)?.json !== rowMap.get(row.name)?.json);
    const removed = entry ? [...entry.rows.keys()].filter((n) => !rowMap.has(n)) : [];

    this.entries.set(key, { appliance, summary: next, rows: rowMap, detailJson, summaryJson });
    if (entry?.summaryJson !== summaryJson) this.emit({ type: 'appliance', data: { revision: 0, summary: next } });
    if (upserted.length > 0 || removed.length > 0) this.emit({ type: 'pods', data: { revision: 0, namespace, name, upserted, removed } });
    if (entry && entry.detailJson !== detailJson) this.emit({ type: 'detail', data: { revision: 0, namespace, name, conditions, ...(vrf && { vrf }) } });
    const nowIso = new Date(this.now()).toISOString();
    for (const row of upserted) this.recordChange(namespace, name, verdictChangeFromRow(row, nowIso));
  }

  private emit(message: StreamMessage): void {
    message.data.revision = ++this.revision;
    for (const listener of this.listeners) listener(message);
  }
}
