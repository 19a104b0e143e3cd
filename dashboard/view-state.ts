// The page's data: the fleet and the open appliance's detail, each from a snapshot, moved forward by the
// stream's changes. A change applies to a part only when its revision is newer than what that part already
// reflects, so a change that raced its snapshot is neither lost (replayed after it) nor applied twice.
import type { ApplianceDetail, DashboardEvent, DashboardPod, Fleet, StreamMessage } from '../api/dashboard/v1.js';

/** The API keeps at most this many Events per appliance, newest first; so does the page. */
export const EVENTS_KEPT = 50;

export interface ViewState {
  fleet?: Fleet;
  detail?: ApplianceDetail;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function applyToFleet(fleet: Fleet, message: StreamMessage): Fleet {
  if (message.data.revision <= fleet.revision) return fleet;
  switch (message.type) {
    case 'appliance': {
      const { summary } = message.data;
      const others = fleet.appliances.filter((a) => a.namespace !== summary.namespace || a.name !== summary.name);
      return { ...fleet, revision: message.data.revision, appliances: [...others, summary] };
    }
    case 'appliance-removed': {
      const { namespace, name } = message.data;
      return { ...fleet, revision: message.data.revision, appliances: fleet.appliances.filter((a) => a.namespace !== namespace || a.name !== name) };
    }
    case 'hello':
    case 'heartbeat':
      return { ...fleet, leader: message.data.leader };
    default:
      return fleet;
  }
}

function upsertPods(pods: DashboardPod[], upserted: DashboardPod[], removed: string[]): DashboardPod[] {
  const changed = new Set([...removed, ...upserted.map((p) => p.name)]);
  return [...pods.filter((p) => !changed.has(p.name)), ...upserted].sort(byName);
}

function addEvent(events: DashboardEvent[], event: DashboardEvent): DashboardEvent[] {
  return [event, ...events.filter((e) => e.uid !== event.uid)].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, EVENTS_KEPT);
}

function applyToDetail(detail: ApplianceDetail, message: StreamMessage): ApplianceDetail | undefined {
  if (message.type === 'hello' || message.type === 'heartbeat') return detail;
  if (message.data.revision <= detail.revision) return detail;
  const key = message.type === 'appliance' ? message.data.summary : message.data;
  if (key.namespace !== detail.summary.namespace || key.name !== detail.summary.name) return detail;
  const revision = message.data.revision;
  switch (message.type) {
    case 'appliance':
      return { ...detail, revision, summary: message.data.summary };
    case 'appliance-removed':
      return undefined;
    case 'pods':
      return { ...detail, revision, pods: upsertPods(detail.pods, message.data.upserted, message.data.removed) };
    case 'detail': {
      const { vrf, ...rest } = { ...detail, revision, conditions: message.data.conditions };
      return message.data.vrf ? { ...rest, vrf: message.data.vrf } : rest;
    }
    case 'event':
      return { ...detail, revision, events: addEvent(detail.events, message.data.event) };
    case 'verdict-change':
      return { ...detail, revision, history: [message.data.change, ...detail.history] };
  }
}

/** The state after one stream message. A removed appliance leaves `detail` undefined. */
export function applyMessage(state: ViewState, message: StreamMessage): ViewState {
  const fleet = state.fleet && applyToFleet(state.fleet, message);
  const detail = state.detail && applyToDetail(state.detail, message);
  return fleet === state.fleet && detail === state.detail ? state : { fleet, detail };
}

/** The state after every message in order: how a fresh snapshot catches up with changes that arrived while it was fetched. */
export function applyMessages(state: ViewState, messages: readonly StreamMessage[]): ViewState {
  return messages.reduce(applyMessage, state);
}
