// A small shell process that removes a cluster's pod network and directory if the process that owns the
// cluster dies without tearing it down (Ctrl-C, SIGTERM, SIGKILL, a crashed jest worker). Signal
// handlers cannot do this job under jest: test code gets a copy of `process`, so its process.on(...)
// handlers never see the real signals or exit. The guard instead waits on a pipe from its owner; the
// pipe reaches end-of-file however the owner ends. The cluster's processes need no guard: they run with
// a parent-death signal (local-process.ts) and are gone by then.
import { startGuard } from '../support/guard.js';
import { bridgePrefix, hostVethPrefix, netnsEtcDir, netnsPrefix, renderAlias, trunkVethPrefix } from './pod-network.js';

// Runs with: $1 slot, $2 the bridge alias proving the slot is still ours, $3 directory.
const guardScript = `
trap '' INT TERM HUP
read -r word || true
[ "$word" = disarm ] && exit 0
if ip -o link show "${bridgePrefix}$1" 2>/dev/null | grep -qF "alias $2"; then
  ip -o link show | sed -n 's/^[0-9]*: \\([^:@ ]*\\).*/\\1/p' | grep -E "^(${hostVethPrefix}$1p|${trunkVethPrefix}$1n|${bridgePrefix}$1n)" | sed 's/^/link delete /' | ip -force -batch - 2>/dev/null
  ip netns list | awk '{print $1}' | grep "^${netnsPrefix}$1-" | sed 's/^/netns delete /' | ip -force -batch - 2>/dev/null
  ip link delete "${bridgePrefix}$1"
  rm -rf "${netnsEtcDir}/${netnsPrefix}$1-"*
fi
rm -rf "$3" 2>/dev/null || { sleep 1; rm -rf "$3"; }
`;

export interface TeardownGuard {
  /** Called after a complete teardown: the guard exits without touching anything. */
  disarm(): void;
}

export function armTeardownGuard(cluster: { slot: number; ownerPid: number; dir: string }): TeardownGuard {
  const alias = renderAlias({ pid: cluster.ownerPid, dir: cluster.dir });
  const guard = startGuard('r4-cluster-guard', guardScript, [String(cluster.slot), alias, cluster.dir]);
  return { disarm: () => guard.end('disarm') };
}
