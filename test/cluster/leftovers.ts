// What a cluster could leave behind on this machine, looked up from the kernel's point of view, so a
// test can assert that teardown left nothing: live processes, network namespaces, links, the directory.
import { existsSync, readdirSync } from 'node:fs';
import { alive, processesMentioning } from '../support/processes.js';
import { bridgePrefix, linkNames, listNetns, netnsEtcDir, netnsPrefix, slotLinkPrefixes } from './pod-network.js';

export interface Leftovers {
  processes: string[];
  netns: string[];
  links: string[];
  /** Per-namespace /etc directories (a pod's hosts file). */
  etc: string[];
  dir: boolean;
}

export async function findLeftovers(cluster: { dir: string; slot: number; pids: number[] }): Promise<Leftovers> {
  const prefixes = slotLinkPrefixes(cluster.slot);
  const links = (await linkNames()).filter((name) => name === `${bridgePrefix}${cluster.slot}` || prefixes.some((prefix) => name.startsWith(prefix)));
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
