// What kube-router's firewall controller leaves in a network namespace's firewall, and its removal: the
// chains KUBE-ROUTER-{INPUT,FORWARD,OUTPUT}, KUBE-POD-FW-* and KUBE-NWPLCY-* of the filter table with the
// jumps into them from INPUT, FORWARD and OUTPUT, and the ipsets KUBE-SRC-* and KUBE-DST-* (names from
// kube-router v2's pkg/controllers/netpol). kube-router stopped by a signal leaves them all in place.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Removes every chain, jump and ipset kube-router's firewall controller makes in this network namespace,
// and nothing else: jumps out of the built-in chains first, then the chains' rules, then the chains (they
// refer to each other), then the ipsets the rules used. Run by `sh -c`; one implementation for the
// teardown, the start (a killed run's leftovers) and the guard.
export const kubeRouterCleanupScript = `
rules=$(iptables-save -t filter) || exit 1
printf '%s\\n' "$rules" | awk '
  /^:KUBE-(ROUTER-(INPUT|FORWARD|OUTPUT)|POD-FW-|NWPLCY-)/ { chains[++n] = substr($1, 2) }
  /^-A (INPUT|FORWARD|OUTPUT) .*-j KUBE-ROUTER-(INPUT|FORWARD|OUTPUT)$/ { sub(/^-A /, "-D "); jumps[++m] = $0 }
  END {
    print "*filter"
    for (i = 1; i <= m; i++) print jumps[i]
    for (i = 1; i <= n; i++) print "-F " chains[i]
    for (i = 1; i <= n; i++) print "-X " chains[i]
    print "COMMIT"
  }' | iptables-restore --noflush || exit 1
for set in $(ipset list -n | grep -E '^KUBE-(SRC|DST)-'); do ipset destroy "$set" || exit 1; done
`;

/** Runs the cleanup in this process's network namespace (the machine's, for the harness). */
export async function removeKubeRouterState(): Promise<void> {
  try {
    await run('sh', ['-c', kubeRouterCleanupScript]);
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? String(error)).trim();
    throw new Error(`removing kube-router's iptables chains and ipsets failed: ${stderr} (needs root, iptables and ipset)`);
  }
}
