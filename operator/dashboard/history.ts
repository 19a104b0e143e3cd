// The timeline of each pod's verdicts, in the replica's memory: fed by the appliance statuses it watches
// and, after a restart, rebuilt from the Events the operator recorded (the API server keeps those about an
// hour). Bounded: so many changes per pod, so many pods; what falls out is the oldest.
import type { VerdictChange } from '../../api/dashboard/v1.js';

export interface HistoryLimits {
  perPod: number;
  pods: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { perPod: 50, pods: 5000 };

const same = (a: VerdictChange, b: VerdictChange) => a.verdict === b.verdict && a.reason === b.reason;

export class VerdictHistory {
  /** `namespace/appliance` -> pod -> changes, oldest first. Map order: pods by their latest change. */
  private readonly timelines = new Map<string, Map<string, VerdictChange[]>>();
  private podCount = 0;

  constructor(private readonly limits: HistoryLimits = DEFAULT_HISTORY_LIMITS) {}

  /**
   * Adds what a status or an Event says a pod's verdict became at a time. The same change seen twice (in
   * the status and in its Event, or again after a restart) is kept once, as first told at its earliest
   * time. Returns the change when it is news: a verdict that differs from the one before it in time.
   */
  add(applianceKey: string, change: VerdictChange): VerdictChange | undefined {
    const pods = this.timelines.get(applianceKey) ?? new Map<string, VerdictChange[]>();
    this.timelines.set(applianceKey, pods);
    const timeline = pods.get(change.pod) ?? [];
    if (!pods.has(change.pod)) this.podCount++;
    pods.delete(change.pod);
    pods.set(change.pod, timeline);

    const at = Date.parse(change.at);
    let index = timeline.findIndex((c) => Date.parse(c.at) > at);
    if (index === -1) index = timeline.length;
    const before = timeline[index - 1];
    const after = timeline[index];
    let news: VerdictChange | undefined;
    if (before && same(before, change)) news = undefined;
    else if (after && same(after, change)) {
      timeline[index] = { ...change, source: after.source };
      news = undefined;
    } else {
      timeline.splice(index, 0, change);
      news = change;
    }
    if (timeline.length > this.limits.perPod) timeline.splice(0, timeline.length - this.limits.perPod);
    this.trim();
    return news;
  }

  /** The appliance's changes, newest first. */
  of(applianceKey: string): VerdictChange[] {
    const pods = this.timelines.get(applianceKey);
    if (!pods) return [];
    return [...pods.values()].flat().sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || a.pod.localeCompare(b.pod));
  }

  forget(applianceKey: string): void {
    this.podCount -= this.timelines.get(applianceKey)?.size ?? 0;
    this.timelines.delete(applianceKey);
  }

  /** Drops the pods whose last change is oldest until the pod limit holds. */
  private trim(): void {
    while (this.podCount > this.limits.pods) {
      let oldest: { key: string; pod: string; at: number } | undefined;
      for (const [key, pods] of this.timelines) {
        const [pod, timeline] = pods.entries().next().value ?? [];
        if (pod === undefined || !timeline) continue;
        const at = Date.parse(timeline[timeline.length - 1]?.at ?? '');
        if (!oldest || at < oldest.at) oldest = { key, pod, at };
      }
      if (!oldest) return;
      const pods = this.timelines.get(oldest.key);
      pods?.delete(oldest.pod);
      if (pods?.size === 0) this.timelines.delete(oldest.key);
      this.podCount--;
    }
  }
}
