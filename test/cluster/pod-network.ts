// The pods' network: one Linux bridge per cluster on the host, and per pod a network namespace whose eth0
// is a veth pair plugged into that bridge, with a real address from 10.244.0.0/16 (EndpointSlices reject
// loopback addresses). The test process reaches pods through the bridge's own address.
//
// 10.244.0.0/16 is cut into 16 slots of /20, one per concurrently running cluster (parallel jest files,
// `cluster up`). The kernel hands out slots and knows which are alive: a cluster owns slot n while it
// listens on the abstract Unix socket `r4-cluster-slot-<n>`, which the kernel releases the moment its
// process ends, however it ends. Abstract sockets belong to the network namespace, as the bridges do, so
// this holds across pid namespaces and chroots that share the network (a pid would not: the same number
// names another process, or none, in another pid namespace). A bridge whose slot nobody holds was left
// behind by a killed owner and is reclaimed, with everything in it, by the next cluster that needs one. Each
// bridge's alias records its owner's pid and directory, for people and for the directory's removal.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const slotCount = 16;
const hostsPerSlot = 4096; // a /20
export const bridgePrefix = 'r4br';
export const netnsPrefix = 'r4-';
export const hostVethPrefix = 'r4h';
const aliasTag = 'r4-cluster';
/** Where `ip netns exec` finds a namespace's own /etc files (service-network.ts writes its hosts file). */
export const netnsEtcDir = '/etc/netns';

/** The slot's subnet base as a 32-bit number: 10.244.(16*slot).0. */
function slotBase(slot: number): number {
  return ((10 << 24) | (244 << 16) | ((slot * 16) << 8)) >>> 0;
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

/** The bridge's (gateway's) address in a slot. */
export function gatewayAddress(slot: number): string {
  return dotted(slotBase(slot) + 1);
}

/**
 * The address for the n-th pod of a slot (n from 0). Host numbers ending in .0 or .255 are skipped, so
 * no pod gets an address that some tools mistake for a network or broadcast address.
 */
export function podAddress(slot: number, n: number): string | undefined {
  let host = 1; // .1 is the gateway
  for (let i = 0; i <= n; ) {
    host++;
    if (host >= hostsPerSlot - 1) return undefined;
    const last = host & 255;
    if (last !== 0 && last !== 255) i++;
  }
  return dotted(slotBase(slot) + host);
}

const slotPrefixLength = 20;

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

interface LinkInfo {
  ifname: string;
  ifalias?: string;
}

export async function listBridges(): Promise<LinkInfo[]> {
  const out = await ip(['-j', 'link', 'show', 'type', 'bridge']);
  return (JSON.parse(out || '[]') as LinkInfo[]).filter((l) => l.ifname.startsWith(bridgePrefix));
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

/** Removes a slot's namespaces and bridge. Processes still inside a namespace are not touched. */
async function removeSlot(slot: number): Promise<void> {
  // The host ends of the pods' veth pairs first: deleting one removes its pair at once, whereas a deleted
  // namespace takes its veth with it only when the kernel's asynchronous namespace cleanup gets to it.
  for (const veth of (await linkNames()).filter((name) => name.startsWith(`${hostVethPrefix}${slot}p`))) {
    await ip(['link', 'delete', veth]).catch(() => undefined);
  }
  for (const ns of await listNetns()) {
    if (ns.startsWith(slotNetnsPrefix(slot))) await ip(['netns', 'delete', ns]);
  }
  for (const name of existsSync(netnsEtcDir) ? readdirSync(netnsEtcDir) : []) {
    if (name.startsWith(slotNetnsPrefix(slot))) rmSync(join(netnsEtcDir, name), { recursive: true, force: true });
  }
  await ip(['link', 'delete', `${bridgePrefix}${slot}`]).catch(() => undefined);
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

export class PodNetwork {
  private nextPod = 0;
  private readonly inUse = new Set<string>();

  private constructor(
    readonly slot: number,
    readonly bridge: string,
    private readonly token: Server,
  ) {}

  get gateway(): string {
    return gatewayAddress(this.slot);
  }

  static async create(owner: BridgeOwner): Promise<PodNetwork> {
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
        await ip(['link', 'set', bridge, 'alias', renderAlias(owner)]);
        await ip(['addr', 'add', `${gatewayAddress(slot)}/${slotPrefixLength}`, 'dev', bridge]);
        await ip(['link', 'set', bridge, 'up']);
      } catch (error) {
        await ip(['link', 'delete', bridge]).catch(() => undefined);
        token.close();
        throw error;
      }
      return new PodNetwork(slot, bridge, token);
    }
    throw new Error(`all ${slotCount} pod network slots (bridges ${bridgePrefix}0..${slotCount - 1}) are in use by running clusters`);
  }

  /** Creates a namespace named after a pod index, wired to the bridge, with the next free address. */
  async addPod(): Promise<PodNetns> {
    const n = this.nextPod++;
    const address = podAddress(this.slot, n);
    if (!address) throw new Error(`pod network slot ${this.slot} has no addresses left`);
    const netns = `${slotNetnsPrefix(this.slot)}${n}`;
    const hostVeth = `${hostVethPrefix}${this.slot}p${n}`;
    await ip(['netns', 'add', netns]);
    try {
      await ip(['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      await ip(['link', 'set', hostVeth, 'master', this.bridge, 'up']);
      await ip(['-n', netns, 'addr', 'add', `${address}/${slotPrefixLength}`, 'dev', 'eth0']);
      await ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', netns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', netns, 'route', 'add', 'default', 'via', this.gateway]);
    } catch (error) {
      await ip(['netns', 'delete', netns]).catch(() => undefined);
      throw error;
    }
    this.inUse.add(netns);
    return { netns, ip: address };
  }

  /** Deleting the namespace also deletes its veth pair. Processes must have been stopped before. */
  async removePod(netns: string): Promise<void> {
    if (!this.inUse.delete(netns)) return;
    await ip(['netns', 'delete', netns]);
  }

  async destroy(): Promise<void> {
    this.inUse.clear();
    await removeSlot(this.slot);
    this.token.close();
  }
}
