// NetworkPolicy enforcement on a cluster's pod network: kube-router's firewall controller (no routing, no
// service proxy), the one a real node would run, built from its pinned Go module (bins/build.sh).
//
// Pods of a cluster hang on a bridge in this machine's network namespace (a cluster enforcing policies
// puts every pod on its trunk bridge, no bridge per node: pod-network.ts, nodeBridges, says why), so
// pod-to-pod traffic is filtered where bridged frames meet iptables: the bridge's own `nf_call_iptables`
// option sends them through the host's FORWARD chain (whatever the global net.bridge sysctl says), and
// kube-router puts its chains there, keyed by this cluster's pod addresses. The firewall is the machine's, so:
// - one cluster at a time enforces policies: it holds the abstract socket `r4-kube-router-firewall`,
//   which the kernel releases the moment its process ends (as the pod network's slots do);
// - kube-router's chains and ipsets (KUBE-ROUTER-*, KUBE-POD-FW-*, KUBE-NWPLCY-*, KUBE-SRC-*, KUBE-DST-*)
//   are removed when it stops, before it starts (a killed run's), and by a guard if the owner dies first
//   (kube-router-state.ts).
// kube-router lets a pod's own node reach it whatever the policies say (source address LOCAL), as on a
// real node: the harness's readiness probes and the test process, which use the bridge's address, pass.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../support/backoff.js';
import { startGuard } from '../support/guard.js';
import { startLocalProcess } from '../support/local-process.js';
import { tailOfFile } from '../support/log-tail.js';
import { binaryPath } from './binaries.js';
import { serviceClusterIpRange } from './control-plane.js';
import { kubeRouterCleanupScript, removeKubeRouterState } from './kube-router-state.js';

const run = promisify(execFile);

const firewallToken = '\0r4-kube-router-firewall';
const claimTimeoutMs = 120_000;
const readyTimeoutMs = 60_000;
const stopGraceMs = 10_000;

// The guard: $1 is kube-router's pid. If the owner dies without disarming it, kube-router dies with it
// (parent-death signal); once it is gone (bounded wait), its firewall state goes too.
const guardScript = `
trap '' INT TERM HUP
read -r word || true
[ "$word" = disarm ] && exit 0
for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
sh -c "$2"
`;

/** Listens on the abstract token; resolves undefined while another live cluster holds it. */
function tryClaim(): Promise<Server | undefined> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen(firewallToken, () => resolve(server.unref()));
  });
}

async function claimFirewall(): Promise<Server> {
  return pollUntil(tryClaim, { timeoutMs: claimTimeoutMs, firstDelayMs: 500, maxDelayMs: 2000 }, () =>
    `another cluster has enforced NetworkPolicies on this machine for over ${claimTimeoutMs / 1000}s (it holds the abstract socket r4-kube-router-firewall); only one may, since the firewall is the machine's`,
  );
}

/** Whether kube-router has made its top-level chains and jumps: it is watching and will apply policies. */
async function firewallReady(): Promise<boolean> {
  const { stdout } = await run('iptables-save', ['-t', 'filter']);
  return ['INPUT', 'FORWARD', 'OUTPUT'].every((chain) => new RegExp(`^-A ${chain} .*-j KUBE-ROUTER-${chain}$`, 'm').test(stdout)) && /^:KUBE-NWPLCY-DEFAULT /m.test(stdout);
}

export interface NetworkPolicyOptions {
  kubeconfigPath: string;
  /** The Node kube-router runs for; every fake node shares the trunk's address, so it covers them all. */
  nodeName: string;
  /** The cluster's bridges (trunk and nodes'): frames bridged by any of them pass the firewall. */
  bridges: string[];
  logDir: string;
}

export interface NetworkPolicyEnforcement {
  /** Stops kube-router and removes its firewall state; the machine's firewall is free for another cluster. */
  stop(): Promise<void>;
}

export async function startNetworkPolicies(options: NetworkPolicyOptions): Promise<NetworkPolicyEnforcement> {
  const token = await claimFirewall();
  try {
    await removeKubeRouterState();
    for (const bridge of options.bridges) await run('ip', ['link', 'set', bridge, 'type', 'bridge', 'nf_call_iptables', '1']);
  } catch (error) {
    token.close();
    throw error;
  }
  const logFile = join(options.logDir, 'kube-router.log');
  const router = startLocalProcess({
    name: 'kube-router',
    logFile,
    argv: [
      binaryPath('kube-router'),
      `--kubeconfig=${options.kubeconfigPath}`,
      `--hostname-override=${options.nodeName}`,
      '--run-firewall=true',
      '--run-router=false',
      '--run-service-proxy=false',
      '--enable-ipv4=true',
      '--enable-ipv6=false',
      `--service-cluster-ip-range=${serviceClusterIpRange}`,
      // No listener on all of the machine's addresses: health and metrics off.
      '--health-port=0',
      '--metrics-port=0',
    ],
  });
  const guard = startGuard('r4-kube-router-guard', guardScript, [String(router.pid), kubeRouterCleanupScript]);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await router.stop(stopGraceMs);
      try {
        await removeKubeRouterState();
        guard.end('disarm');
      } finally {
        token.close();
      }
    })());
  let exited = false;
  void router.exited.then(() => (exited = true));
  try {
    await pollUntil(
      async () => {
        if (exited) throw new Error(`kube-router exited while starting; last lines of ${logFile}:\n${tailOfFile(logFile)}`);
        return (await firewallReady()) || undefined;
      },
      { timeoutMs: readyTimeoutMs, firstDelayMs: 200, maxDelayMs: 1000 },
      () => `kube-router made no firewall chains within ${readyTimeoutMs / 1000}s; last lines of ${logFile}:\n${tailOfFile(logFile)}`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
