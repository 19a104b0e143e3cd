// Pod addresses: each cluster's slot is a /20 of 10.244.0.0/16; .0 and .255 host parts are never handed out,
// and a freed address (with its namespace name) goes to another pod only after its quarantine.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { AddressPool, gatewayAddress, gatewayMac, podAddress, podAddressesPerSlot, podMac } from './pod-addresses.js';
import { linkNames, parseAlias, PodNetwork, renderAlias, slotLinkPrefixes } from './pod-network.js';

test('slots and addresses', () => {
  expect(gatewayAddress(0)).toBe('10.244.0.1');
  expect(gatewayAddress(15)).toBe('10.244.240.1');
  expect(podAddress(0, 0)).toBe('10.244.0.2');
  expect(podAddress(0, 252)).toBe('10.244.0.254');
  expect(podAddress(0, 253)).toBe('10.244.1.1');
  expect(podAddress(0, 253 + 254)).toBe('10.244.2.1');
  expect(podAddress(3, 0)).toBe('10.244.48.2');
  expect(podMac(3, 4059)).toBe('02:72:34:03:0f:db');
  expect(gatewayMac(15)).toBe('02:72:35:0f:00:01');
});

test('a slot runs out instead of spilling into the next one', () => {
  const addresses = Array.from({ length: 4096 }, (_, n) => podAddress(1, n)).filter((a): a is string => a !== undefined);
  expect(addresses).toHaveLength(podAddressesPerSlot);
  expect(new Set(addresses).size).toBe(addresses.length);
  expect(addresses.every((a) => /^10\.244\.(1[6-9]|2\d|3[01])\.\d+$/.test(a))).toBe(true);
  expect(addresses.some((a) => /\.(0|255)$/.test(a) || a === gatewayAddress(1))).toBe(false);
  expect(addresses.at(-1)).toBe('10.244.31.254');
  expect(podAddress(1, addresses.length)).toBeUndefined();
});

test('the pool hands out fresh indexes first, then the longest freed, each only after its quarantine', () => {
  let now = 0;
  const pool = new AddressPool(3, 60_000, () => now);
  expect([pool.take(), pool.take(), pool.take()]).toEqual([0, 1, 2]);
  expect(pool.take()).toBeUndefined();
  pool.release(1);
  now = 10_000;
  pool.release(0);
  now = 69_999;
  expect(pool.take()).toBe(1);
  expect(pool.take()).toBeUndefined(); // 0 rests until 70 000
  now = 70_000;
  expect(pool.take()).toBe(0);
  expect(pool.take()).toBeUndefined();
  expect(pool.waiting).toBe(0);
});

/** Connects from inside `netns` to host:port and returns what the other side wrote. */
function fetchFrom(netns: string, host: string, port: number): string {
  const client = `require('net').connect(${port}, '${host}').on('data', (d) => process.stdout.write(d)).setTimeout(3000, () => process.exit(1))`;
  return execFileSync('ip', ['netns', 'exec', netns, process.execPath, '-e', client], { encoding: 'utf8', timeout: 10_000 });
}

/** What `ip neigh` holds for an address on a device (in a namespace with ['-n', ns]). */
function neighbour(where: string[], address: string, dev: string): string {
  return execFileSync('ip', [...where, 'neigh', 'show', address, 'dev', dev], { encoding: 'utf8' }).trim();
}

test('bridge aliases record the owner', () => {
  const owner = { pid: 4242, dir: '/tmp/r4-cluster-abc' };
  expect(parseAlias(renderAlias(owner))).toEqual(owner);
  expect(parseAlias('something else')).toBeUndefined();
  expect(parseAlias(undefined)).toBeUndefined();
});

// The real thing: namespaces on node bridges joined to the trunk, more pods made and removed than the
// pool holds, each address reused only once its quarantine is over, and nothing left after destroy.
test('pods on two node bridges reach each other through the trunk; addresses come back after their quarantine', async () => {
  const quarantineMs = 1500;
  const network = await PodNetwork.create({ pid: process.pid, dir: '/tmp/r4-cluster-pod-network-test' }, { addresses: 3, addressQuarantineMs: quarantineMs });
  try {
    const [a, b] = [await network.addNodeBridge(), await network.addNodeBridge()];
    expect(network.bridges).toEqual([network.bridge, a, b]);
    const first = await network.addPod(a);
    const second = await network.addPod(b);
    expect([first.ip, second.ip]).toEqual([podAddress(network.slot, 0), podAddress(network.slot, 1)]);
    // Both ends know each other without ARP, by entries that do not count towards the kernel's table limit.
    expect(neighbour([], first.ip, network.bridge)).toBe(`${first.ip} lladdr ${podMac(network.slot, 0)} PERMANENT`);
    expect(neighbour(['-n', first.netns], network.gateway, 'eth0')).toBe(`${network.gateway} lladdr ${gatewayMac(network.slot)} PERMANENT`);
    const server = `require('net').createServer((s) => s.end('from ${second.ip}')).listen(7000, '${second.ip}', () => console.log('up'))`;
    const listener = spawn('ip', ['netns', 'exec', second.netns, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(listener.stdout, 'data');
      expect(fetchFrom(first.netns, second.ip, 7000)).toBe(`from ${second.ip}`);
    } finally {
      listener.kill('SIGKILL');
      await once(listener, 'exit');
    }

    const third = await network.addPod(a);
    await network.removePod(first.netns);
    expect(existsSync(`/run/netns/${first.netns}`)).toBe(false);
    expect(neighbour([], first.ip, network.bridge)).toBe('');
    const removedAt = Date.now();
    await expect(network.addPod(a)).rejects.toThrow(/no address free: 2 in use, 1 freed less than 1.5s ago/);
    await new Promise((resolve) => setTimeout(resolve, quarantineMs - (Date.now() - removedAt) + 50));
    const reused = await network.addPod(b);
    expect(reused).toEqual(first);
    await Promise.all([second, third, reused].map((pod) => network.removePod(pod.netns)));
  } finally {
    await network.destroy();
  }
  const prefixes = slotLinkPrefixes(network.slot);
  expect((await linkNames()).filter((name) => name === network.bridge || prefixes.some((prefix) => name.startsWith(prefix)))).toEqual([]);
}, 30_000);
