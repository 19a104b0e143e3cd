import { SharedBytesInFlight, sharedInFlightTable } from './sharedBytesInFlight.js';

const limits = { totalBytes: 100, perKeyBytes: 60 };

test('charges as BytesInFlight does: the total and each key\'s share, released exactly', () => {
  const account = new SharedBytesInFlight(sharedInFlightTable(8), limits);
  expect(account.reserve('a', 50)).toBe('admit');
  expect(account.reserve('a', 20)).toBe('key_full');
  expect(account.reserve('b', 40)).toBe('admit');
  expect(account.reserve('c', 20)).toBe('total_full');
  expect(account.bytes).toBe(90);
  expect(account.keysInFlight).toBe(2);
  account.release('b', 40);
  account.release('a', 50);
  expect(account.bytes).toBe(0);
  expect(account.keysInFlight).toBe(0);
});

test('two views of one table (two workers) share one account', () => {
  const table = sharedInFlightTable(8);
  const one = new SharedBytesInFlight(table, limits);
  const other = new SharedBytesInFlight(table, limits);
  expect(one.reserve('a', 60)).toBe('admit');
  expect(other.reserve('a', 1)).toBe('key_full');
  one.release('a', 60);
  expect(other.reserve('a', 60)).toBe('admit');
});

test('keys with nothing in flight make room; a table full of busy keys refuses a new one', () => {
  const account = new SharedBytesInFlight(sharedInFlightTable(8), { totalBytes: 1_000, perKeyBytes: 100 });
  for (const key of ['a', 'b', 'c', 'd']) expect(account.reserve(key, 1)).toBe('admit');
  expect(account.reserve('e', 1)).toBe('key_full');
  account.release('a', 1);
  account.release('b', 1);
  expect(account.reserve('e', 1)).toBe('admit');
  expect(account.reserve('c', 1)).toBe('admit'); // kept through the clean-up
  expect(account.bytes).toBe(4);
});
