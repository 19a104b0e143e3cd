import { commitment, currentRound, roundInputHex, roundStartMs } from './beacon.js';

const schedule = { genesisMs: Date.parse('2026-01-01T00:00:00Z'), periodSeconds: 30 };

test.each([
  ['before genesis', -1, 0],
  ['at genesis', 0, 1],
  ['just before the second round', 29_999, 1],
  ['at the second round', 30_000, 2],
  ['a day later', 86_400_000, 2881],
])('the round in progress %s', (_when, offsetMs, round) => {
  expect(currentRound(schedule, schedule.genesisMs + offsetMs)).toBe(round);
});

test('round r begins at genesis + (r - 1) × period, and is the round in progress then', () => {
  for (const round of [1, 2, 3, 1000]) {
    const start = roundStartMs(schedule, round);
    expect(start).toBe(schedule.genesisMs + (round - 1) * 30_000);
    expect(currentRound(schedule, start)).toBe(round);
  }
});

test('a round input depends on the chain, the round and the key, and on nothing else', () => {
  const base = roundInputHex('chain', 7, 'r4k-000000000000000000000001');
  expect(base).toMatch(/^[0-9a-f]{64}$/);
  expect(roundInputHex('chain', 7, 'r4k-000000000000000000000001')).toBe(base);
  expect(roundInputHex('chain2', 7, 'r4k-000000000000000000000001')).not.toBe(base);
  expect(roundInputHex('chain', 8, 'r4k-000000000000000000000001')).not.toBe(base);
  expect(roundInputHex('chain', 7, 'r4k-000000000000000000000002')).not.toBe(base);
  // "chain" + round 71 and "chain7" + round 1 are different inputs: the fields are length-prefixed.
  expect(roundInputHex('chain', 71, 'k')).not.toBe(roundInputHex('chain7', 1, 'k'));
});

test('the commitment is SHA-256 of the output bytes', () => {
  expect(commitment(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
