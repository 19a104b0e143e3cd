// Pod addresses: each cluster's slot is a /20 of 10.244.0.0/16; .0 and .255 host parts are never handed out.
import { gatewayAddress, parseAlias, podAddress, renderAlias } from './pod-network.js';

test('slots and addresses', () => {
  expect(gatewayAddress(0)).toBe('10.244.0.1');
  expect(gatewayAddress(15)).toBe('10.244.240.1');
  expect(podAddress(0, 0)).toBe('10.244.0.2');
  expect(podAddress(0, 252)).toBe('10.244.0.254');
  expect(podAddress(0, 253)).toBe('10.244.1.1');
  expect(podAddress(3, 0)).toBe('10.244.48.2');
});

test('a slot runs out instead of spilling into the next one', () => {
  const addresses = Array.from({ length: 4096 }, (_, n) => podAddress(1, n)).filter((a): a is string => a !== undefined);
  expect(new Set(addresses).size).toBe(addresses.length);
  expect(addresses.every((a) => /^10\.244\.(1[6-9]|2\d|3[01])\.\d+$/.test(a))).toBe(true);
  expect(addresses.some((a) => /\.(0|255)$/.test(a))).toBe(false);
  expect(podAddress(1, addresses.length)).toBeUndefined();
});

test('bridge aliases record the owner', () => {
  const owner = { pid: 4242, dir: '/tmp/r4-cluster-abc' };
  expect(parseAlias(renderAlias(owner))).toEqual(owner);
  expect(parseAlias('something else')).toBeUndefined();
  expect(parseAlias(undefined)).toBeUndefined();
});
