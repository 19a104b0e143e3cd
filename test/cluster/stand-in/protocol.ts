// What the harness and the stand-in hub (hub.ts) say to each other over Node's IPC channel. The hub serves
// every stand-in pod of one cluster; the harness attaches pods as the kubelet starts their containers,
// detaches them as it stops them, and tampers with and heals them for tests and benches.

/** The image name of a stand-in pod: `r4-stand-in[:tag][@digest]`. */
export const STAND_IN_IMAGE = 'r4-stand-in';

/**
 * How a tampered stand-in pod differs from an honest one:
 *   hash      its core's hash is that of a core with one byte changed (as the r4-tampered-core image)
 *   selftest  its core's self-test failed
 *   unsigned  it answers unsigned while claiming a sealed, verified core
 *   silent    it accepts connections and never answers (a hung process)
 */
export const TAMPERS = ['hash', 'selftest', 'unsigned', 'silent'] as const;
export type Tamper = (typeof TAMPERS)[number];

/** One pod to serve: where its namespace is, what its container's env says (paths already on this machine). */
export interface AttachRequest {
  op: 'attach';
  id: number;
  /** containerID suffix: unique within the hub's life, so a restarted container is a new container. */
  container: string;
  podUid: string;
  netns: string;
  env: Record<string, string>;
}

export type HubRequest =
  | AttachRequest
  | { op: 'detach'; id: number; container: string }
  | { op: 'tamper'; id: number; podUid: string; tamper: Tamper }
  | { op: 'heal'; id: number; podUid: string }
  | { op: 'stats'; id: number };

export interface HubStats {
  pods: number;
  connections: number;
  answers: number;
}

export type HubReply =
  | { op: 'ok'; id: number; stats?: HubStats }
  | { op: 'failed'; id: number; message: string }
  /** A pod the hub stopped serving on its own (its listener closed): the kubelet sees its container exit. */
  | { op: 'dropped'; container: string; message: string }
  | { op: 'ready'; pid: number };
