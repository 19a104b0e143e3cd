// The pods' network: per cluster a trunk bridge on the host holding the gateway address, per fake node a
// bridge of its own joined to the trunk by a veth pair (one L2 segment: same subnet, same gateway, no
// routing), and per pod a network namespace whose eth0 is a veth pair plugged into its node's bridge, with
// a real address from 10.244.0.0/16 (EndpointSlices reject loopback addresses). A bridge takes at most
// 1,024 ports, so one bridge per node is what lets a cluster hold more than a thousand pods. The test
// process reaches pods through the trunk's own address.
//
// 10.244.0.0/16 is cut into 16 slots of /20, one per concurrently running cluster (parallel jest files,
// `cluster up`). The kernel hands out slots and knows which are alive: a cluster owns slot n while it
// listens on the abstract Unix socket `r4-cluster-slot-<n>`, which the kernel releases the moment its
// process ends, however it ends. Abstract sockets belong to the network namespace, as the bridges do, so
// this holds across pid namespaces and chroots that share the network (a pid would not: the same number
// names another process, or none, in another pid namespace). A trunk whose slot nobody holds was left
// behind by a killed owner and is reclaimed, with everything in it, by the next cluster that needs one. Each
// trunk's alias records its owner's pid and directory, for people and for the directory's removal.
//
// Pod addresses and the names of their namespaces follow an index reused after a quarantine
// (pod-addresses.ts), and so do their MAC addresses: the host's entry for each pod, and each pod's entry for
// the gateway, are written as permanent neighbours. The kernel keeps one ARP table for every network
// namespace, and past gc_thresh3 (1,024 by default) learned entries it refuses new ones ("neighbor table
// overflow"): with a thousand pods, each learning the gateway while the host learns them, half the pods
// were unreachable. Permanent entries do not count towards that limit, and no ARP is needed. A sandbox costs two `ip -batch` runs (host side, then inside the namespace), and at
// most a few are made at once, so a thousand pods scheduled together do not spawn a thousand processes.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { concurrencyLimit } from '../support/concurrency-limit.js';
import { runCommand } from '../support/run-command.js';
import { AddressPool, gatewayAddress, gatewayMac, podAddress, podAddressesPerSlot, podMac } from './pod-addresses.js';

const run = promisify(execFile);

const slotCount = 16;
export const bridgePrefix = 'r4br';
export const netnsPrefix = 'r4-';
export const hostVethPrefix = 'r4h';
/** The veth pairs joining node bridges to the trunk: r4t<slot>n<k> on the trunk, r4t<slot>n<k>b on the node's bridge. */
export const trunkVethPrefix = 'r4t';
const aliasTag = 'r4-cluster';
/** Where `ip netns exec` finds a namespace's own /etc files (service-network.ts writes its hosts file). */
export const netnsEtcDir = '/etc/netns';
/** Where `ip netns add` pins a namespace (a mount of its nsfs file). */
const netnsRunDir = '/run/netns';

/** The file that is a pod's network namespace, for `nsenter --net=`. */
export function netnsPath(netns: string): string {
  return join(netnsRunDir, netns);
}
const slotPrefixLength = 20;
/** How long a removed pod's address (and namespace name) rests before another pod gets it. */
export const defaultAddressQuarantineMs = 60_000;
/** Sandboxes made at once: each is two `ip` processes. */
const sandboxConcurrency = 8;

/** The names of a slot's links other than its trunk bridge, by prefix: node bridges, trunk veths, pod veths. */
export function slotLinkPrefixes(slot: number): string[] {
  return [`${bridgePrefix}${slot}n`, `${trunkVethPrefix}${slot}n`, `${hostVethPrefix}${slot}p`];
}

export interface BridgeOwner {
  pid: number;
  dir: string;
}

export function renderAlias(owner: BridgeOwner): string {
  return `${aliasTag} owner=${owner.pid} dir=${owner.dir}`;
}

export function parseAlias(alias: string | undefined): BridgeOwner | undefined {
  const match = /^r4-cluster owner=(\d+) dir=(\S+)$/.exec(alias ?? '');
  return match?.[1] && match[2] ? { pid: Number(match[1]), dir: match[2] } : undefined;
}

async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args);
    return stdout;
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? String(error)).trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr} (pod networks need root and iproute2)`);
  }
}

/**
 * Runs `ip` commands in one process (`ip -batch -`), inside `netns` when given. It stops at the first
 * failing command, unless `force`, which runs them all and still fails if any did. Inside a namespace it
 * runs under `nsenter --net`, which only joins the network namespace: `ip -n` (as `ip netns exec`) also
 * makes a mount namespace, a copy of every mount, so it grows slower with each pod's namespace mount.
 */
async function ipBatch(commands: string[], options: { netns?: string; force?: boolean } = {}): Promise<void> {
  if (commands.length === 0) return;
  const ipArgv: [string, ...string[]] = ['ip', ...(options.force ? ['-force'] : []), '-batch', '-'];
  const argv: [string, ...string[]] = options.netns ? ['nsenter', `--net=${netnsPath(options.netns)}`, ...ipArgv] : ipArgv;
  try {
    await runCommand(argv, { input: `${commands.join('\n')}\n` });
  } catch (error) {
    throw new Error(`${String(error)} (pod networks need root and iproute2)`);
  }
}

interface LinkInfo {
  ifname: string;
  ifalias?: string;
}

/** The clusters' trunk bridges (node bridges carry no alias and are left out). */
export async function listBridges(): Promise<LinkInfo[]> {
  const out = await ip(['-j', 'link', 'show', 'type', 'bridge']);
  return (JSON.parse(out || '[]') as LinkInfo[]).filter((l) => /^r4br\d+$/.test(l.ifname));
}

/** The names of this machine's network links. */
export async function linkNames(): Promise<string[]> {
  return (await ip(['-o', 'link', 'show'])).split('\n').map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '').filter((name) => name !== '');
}

export async function listNetns(): Promise<string[]> {
  const out = await ip(['-j', 'netns', 'list']);
  return (JSON.parse(out || '[]') as { name: string }[]).map((n) => n.name).filter((n) => n.startsWith(netnsPrefix));
}

const slotToken = (slot: number) => `\0r4-cluster-slot-${slot}`;

/** Claims a slot: resolves with the listening token, or undefined if a live cluster holds the slot. */
async function claimSlot(slot: number): Promise<Server | undefined> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    // Unreferenced: the token never keeps its process alive by itself.
    server.listen(slotToken(slot), () => resolve(server.unref()));
  });
}

/** Whether a live cluster holds the slot. Anything but a refused connection counts as held: never reclaim in doubt. */
function slotHeld(slot: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(slotToken(slot));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'));
  });
}

function slotNetnsPrefix(slot: number): string {
  return `${netnsPrefix}${slot}-`;
}

/** Removes a slot's namespaces and bridges. Processes still inside a namespace are not touched. */
async function removeSlot(slot: number): Promise<void> {
  // The host ends of the pods' veth pairs first: deleting one removes its pair at once, whereas a deleted
  // namespace takes its veth with it only when the kernel's asynchronous namespace cleanup gets to it.
  // Then the trunk veths and node bridges, the namespaces, and the trunk last, in one `ip` process.
  const prefixes = slotLinkPrefixes(slot);
  const trunk = `${bridgePrefix}${slot}`;
  const present = await linkNames();
  const links = present.filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  const order = (name: string) => prefixes.findIndex((prefix) => name.startsWith(prefix));
  links.sort((a, b) => order(b) - order(a));
  const namespaces = (await listNetns()).filter((ns) => ns.startsWith(slotNetnsPrefix(slot)));
  await ipBatch(
    [...links.map((name) => `link delete ${name}`), ...namespaces.map((ns) => `netns delete ${ns}`), ...(present.includes(trunk) ? [`link delete ${trunk}`] : [])],
    { force: true },
  ).catch(() => undefined);
  const left = (await listNetns()).filter((ns) => ns.startsWith(slotNetnsPrefix(slot)));
  if (left.length > 0) throw new Error(`could not delete the network namespaces ${left.join(', ')}`);
  for (const name of existsSync(netnsEtcDir) ? readdirSync(netnsEtcDir) : []) {
    if (name.startsWith(slotNetnsPrefix(slot))) rmSync(join(netnsEtcDir, name), { recursive: true, force: true });
  }
}

/** Reclaims slots nobody holds any more, including the owner's directory when it is on this file system. */
export async function reclaimAbandonedSlots(): Promise<void> {
  for (const bridge of await listBridges()) {
    const owner = parseAlias(bridge.ifalias);
    const slot = Number(bridge.ifname.slice(bridgePrefix.length));
    if (!owner || !Number.isInteger(slot) || (await slotHeld(slot))) continue;
    await removeSlot(slot);
    if (/\/r4-cluster-[^/]+$/.test(owner.dir)) rmSync(owner.dir, { recursive: true, force: true });
  }
}

export interface PodNetns {
  netns: string;
  ip: string;
}

export interface PodNetworkOptions {
  /** How long a removed pod's address rests before reuse; default 60 s. */
  addressQuarantineMs?: number;
  /** How many pod addresses the slot hands out; default (and at most) all of its /20. For tests of reuse. */
  addresses?: number;
  /**
   * A bridge per node (default), or every pod on the trunk (at most 1,023). NetworkPolicies need the
   * trunk alone: kube-router refuses a connection with an ICMP error sent by this host, which on its
   * way back crosses the node's bridge and meets kube-router's chains again, where it belongs to no
   * connection (the refused one was never confirmed) and is dropped as INVALID. The client would wait
   * for a timeout instead of being refused; on one bridge the error goes straight to the pod's port.
   */
  nodeBridges?: boolean;
}

export class PodNetwork {
  private readonly pool: AddressPool;
  // Live pod namespaces, by name, with their address index.
  private readonly inUse = new Map<string, number>();
  private readonly nodes: string[] = [];
  private readonly sandboxes = concurrencyLimit(sandboxConcurrency);

  private constructor(
    readonly slot: number,
    /** The trunk: holds the gateway address, joins the nodes' bridges. */
    readonly bridge: string,
    private readonly token: Server,
    private readonly options: PodNetworkOptions,
  ) {
    const size = Math.min(options.addresses ?? podAddressesPerSlot, podAddressesPerSlot);
    this.pool = new AddressPool(size, options.addressQuarantineMs ?? defaultAddressQuarantineMs);
  }

  get gateway(): string {
    return gatewayAddress(this.slot);
  }

  /** Every bridge of the cluster: the trunk and the nodes' bridges. */
  get bridges(): string[] {
    return [this.bridge, ...this.nodes];
  }

  static async create(owner: BridgeOwner, options: PodNetworkOptions = {}): Promise<PodNetwork> {
    await reclaimAbandonedSlots();
    for (let slot = 0; slot < slotCount; slot++) {
      // The token first: while it is held, no other cluster reclaims the bridge made next.
      const token = await claimSlot(slot);
      if (!token) continue; // held by a running cluster
      const bridge = `${bridgePrefix}${slot}`;
      try {
        await ip(['link', 'add', bridge, 'type', 'bridge']);
      } catch {
        token.close(); // a bridge left by a cluster that died after reclaimAbandonedSlots looked
        continue;
      }
      try {
        await ipBatch([
          `link set ${bridge} alias "${renderAlias(owner)}"`,
          `link set ${bridge} address ${gatewayMac(slot)}`,
          `addr add ${gatewayAddress(slot)}/${slotPrefixLength} dev ${bridge}`,
          `link set ${bridge} up`,
        ]);
      } catch (error) {
        await ip(['link', 'delete', bridge]).catch(() => undefined);
        token.close();
        throw error;
      }
      return new PodNetwork(slot, bridge, token, options);
    }
    throw new Error(`all ${slotCount} pod network slots (bridges ${bridgePrefix}0..${slotCount - 1}) are in use by running clusters`);
  }

  /** Makes a node's bridge, joined to the trunk (or gives the trunk, without nodeBridges); its pods are plugged into it (addPod). */
  async addNodeBridge(): Promise<string> {
    if (this.options.nodeBridges === false) return this.bridge;
    const k = this.nodes.length;
    const bridge = `${bridgePrefix}${this.slot}n${k}`;
    const uplink = `${trunkVethPrefix}${this.slot}n${k}`;
    this.nodes.push(bridge);
    await ipBatch([
      `link add ${bridge} type bridge`,
      `link add ${uplink} type veth peer name ${uplink}b`,
      `link set ${uplink} master ${this.bridge} up`,
      `link set ${uplink}b master ${bridge} up`,
      `link set ${bridge} up`,
    ]);
    return bridge;
  }

  /** Creates a namespace named after a free address index, plugged into `bridge` (a node's), with that address. */
  addPod(bridge: string): Promise<PodNetns> {
    return this.sandboxes(async () => {
      const n = this.pool.take();
      if (n === undefined) {
        throw new Error(`pod network slot ${this.slot} has no address free: ${this.inUse.size} in use, ${this.pool.waiting} freed less than ${this.pool.quarantineMs / 1000}s ago`);
      }
      const address = podAddress(this.slot, n) as string;
      const netns = `${slotNetnsPrefix(this.slot)}${n}`;
      const hostVeth = `${hostVethPrefix}${this.slot}p${n}`;
      const mac = podMac(this.slot, n);
      try {
        await ipBatch([
          `netns add ${netns}`,
          `link add ${hostVeth} type veth peer name eth0 address ${mac} netns ${netns}`,
          `link set ${hostVeth} master ${bridge} up`,
          `neigh replace ${address} lladdr ${mac} dev ${this.bridge} nud permanent`,
        ]);
        await ipBatch(
          [
            `addr add ${address}/${slotPrefixLength} dev eth0`,
            'link set eth0 up',
            'link set lo up',
            `neigh replace ${this.gateway} lladdr ${gatewayMac(this.slot)} dev eth0 nud permanent`,
            `route add default via ${this.gateway}`,
          ],
          { netns },
        );
      } catch (error) {
        await ipBatch([`link delete ${hostVeth}`, `netns delete ${netns}`, `neigh del ${address} dev ${this.bridge}`], { force: true }).catch(() => undefined);
        this.pool.release(n);
        throw error;
      }
      this.inUse.set(netns, n);
      return { netns, ip: address };
    });
  }

  /**
   * Deletes the pod's namespace, which takes its veth pair with it; its address rests in quarantine before
   * reuse. Processes must have been stopped before.
   */
  async removePod(netns: string): Promise<void> {
    const n = this.inUse.get(netns);
    if (n === undefined) return;
    this.inUse.delete(netns);
    // Not the veth first: deleting a link waits for the kernel's RCU grace period under its one rtnl lock,
    // whereas the namespace cleanup removes the veths of many namespaces in one batch, well within the
    // quarantine (and a sandbox that still finds the old host veth deletes it and is retried).
    await ipBatch([`netns delete ${netns}`]).catch(() => undefined);
    if (existsSync(netnsPath(netns))) throw new Error(`could not delete the network namespace ${netns}; its address stays out of use`);
    await ipBatch([`neigh del ${podAddress(this.slot, n)} dev ${this.bridge}`]).catch(() => undefined);
    this.pool.release(n);
  }

  async destroy(): Promise<void> {
    this.inUse.clear();
    await removeSlot(this.slot);
    this.token.close();
  }
}
