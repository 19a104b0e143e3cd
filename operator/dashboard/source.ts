// What the dashboard's HTTP server reads: a view of the fleet that any replica builds from its own
// watches (operator/dashboard/fleet-view.ts), or a test builds from synthetic objects.
import type { ApplianceDetail, Fleet, StreamMessage } from '../../api/dashboard/v1.js';

export interface DashboardSource {
  /** False until every watch behind the view has listed once: the server answers 503 meanwhile. */
  synced(): boolean;
  fleet(): Fleet;
  appliance(namespace: string, name: string): ApplianceDetail | undefined;
  /** The current revision and whether this replica leads, for `hello` and `heartbeat`. */
  status(): { revision: number; replica: string; leader: boolean };
  /** Every change from now on, in order; returns the unsubscribe. */
  subscribe(listener: (message: StreamMessage) => void): () => void;
}
