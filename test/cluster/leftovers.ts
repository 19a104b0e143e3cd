// What a cluster could leave behind on this machine, looked up from the kernel's point of view, so a
// test can assert that teardown left nothing: live processes, network namespaces, links, the directory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { bridgePrefix, hostVethPrefix, listNetns, netnsEtcDir, netnsPrefix } from './pod-network.js';
import { execFileSync } from 'node:child_process';

export interface Leftovers {
  processes: string[];
  netns: string[];
  links: string[];
  /** Per-namespace /etc directories (a pod's hosts file). */
  etc: string[];
  dir: boolean;
}

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `text` (a cluster's directory appears in every component's flags). */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (cmdline.includes(text)) found.push(`${entry} ${cmdline}`);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

export async function findLeftovers(cluster: { dir: string; slot: number; pids: number[] }): Promise<Leftovers> {
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name === `${bridgePrefix}${cluster.slot}` || name.startsWith(`${hostVethPrefix}${cluster.slot}p`));
  return {
    processes: [
      ...cluster.pids.filter(alive).map((pid) => `${pid} (started by the harness)`),
      ...processesMentioning(cluster.dir),
    ],
    netns: (await listNetns()).filter((ns) => ns.startsWith(`${netnsPrefix}${cluster.slot}-`)),
    links,
    etc: existsSync(netnsEtcDir) ? readdirSync(netnsEtcDir).filter((name) => name.startsWith(`${netnsPrefix}${cluster.slot}-`)) : [],
    dir: existsSync(cluster.dir),
  };
}

export const nothingLeft: Leftovers = { processes: [], netns: [], links: [], etc: [], dir: false };
