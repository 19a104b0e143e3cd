// The operator's API requests, read from the kube-apiserver's audit log (JSON lines, level Metadata): the
// one place a request's client is named, since the API server's request metrics carry no client label.
// Pure, so the counting is tested on its own.

export interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; name?: string };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  responseStatus?: { code?: number };
}

/** Requests by `verb resource[/subresource]`, per minute, within a window. */
export interface RequestRates {
  minutes: number;
  perMinute: Map<string, number>;
  total: number;
}

export function parseAuditLog(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as AuditEvent);
}

/**
 * One count per request: a watch when its response starts (it completes only when it ends, which may be
 * after the window), anything else when its response is complete. Requests are placed by when they were
 * received.
 */
export function requestRates(events: readonly AuditEvent[], username: string, fromMs: number, toMs: number): RequestRates {
  const counts = new Map<string, number>();
  let total = 0;
  for (const event of events) {
    if (event.user?.username !== username) continue;
    const counted = event.verb === 'watch' ? event.stage === 'ResponseStarted' : event.stage === 'ResponseComplete';
    if (!counted) continue;
    const at = Date.parse(event.requestReceivedTimestamp ?? '');
    if (!(at >= fromMs && at < toMs)) continue;
    const ref = event.objectRef ?? {};
    const key = `${event.verb} ${ref.resource ?? '(none)'}${ref.subresource ? `/${ref.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  }
  const minutes = (toMs - fromMs) / 60_000;
  const perMinute = new Map([...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => [key, n / minutes]));
  return { minutes, perMinute, total };
}

/** Requests per minute whose verb is one of `verbs` (and, if given, whose key ends with `suffix`). */
export function ratePer(rates: RequestRates, verbs: readonly string[], suffix?: string): number {
  let sum = 0;
  for (const [key, n] of rates.perMinute) {
    const [verb = '', resource = ''] = key.split(' ');
    if (verbs.includes(verb) && (suffix === undefined || resource.endsWith(suffix))) sum += n;
  }
  return sum;
}

/** The user's requests received within a window: how many, and the busiest second. */
export function requestLoad(events: readonly AuditEvent[], username: string, fromMs: number, toMs: number): { total: number; perSecond: number; busiestSecond: number } {
  const bySecond = new Map<number, number>();
  let total = 0;
  for (const event of events) {
    if (event.user?.username !== username || event.verb === 'watch' || event.stage !== 'ResponseComplete') continue;
    const at = Date.parse(event.requestReceivedTimestamp ?? '');
    if (!(at >= fromMs && at < toMs)) continue;
    const second = Math.floor(at / 1000);
    bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
    total++;
  }
  return { total, perSecond: total / ((toMs - fromMs) / 1000), busiestSecond: Math.max(0, ...bySecond.values()) };
}

/** One status write to a pod: when the API server received it and when it had answered. */
export interface PodStatusWrite {
  receivedMs: number;
  completedMs: number;
}

/** The user's completed writes to pods' status (the gate conditions), by pod name, in the order received. */
export function podStatusWrites(events: readonly AuditEvent[], username: string): Map<string, PodStatusWrite[]> {
  const writes = new Map<string, PodStatusWrite[]>();
  for (const event of events) {
    const ref = event.objectRef ?? {};
    if (event.user?.username !== username || event.stage !== 'ResponseComplete' || ref.resource !== 'pods' || ref.subresource !== 'status' || !ref.name) continue;
    if (event.verb !== 'patch' && event.verb !== 'update') continue;
    const list = writes.get(ref.name) ?? [];
    list.push({ receivedMs: Date.parse(event.requestReceivedTimestamp ?? ''), completedMs: Date.parse(event.stageTimestamp ?? '') });
    writes.set(ref.name, list);
  }
  for (const list of writes.values()) list.sort((a, b) => a.receivedMs - b.receivedMs);
  return writes;
}
