import fc from 'fast-check';
import { admission, BytesInFlight, type InFlightLimits } from './bytesInFlight.js';

const limits: InFlightLimits = { totalBytes: 100, perKeyBytes: 60 };

describe('admission', () => {
  it.each([
    ['an answer that fits both', 0, 0, 10, 'admit'],
    ['up to the total exactly', 90, 0, 10, 'admit'],
    ['past the total', 91, 0, 10, 'total_full'],
    ["up to the key's share exactly", 50, 50, 10, 'admit'],
    ["past the key's share", 50, 51, 10, 'key_full'],
    ["an answer larger than the key's share", 0, 0, 61, 'key_full'],
    ["within the key's share, past what the total has left", 50, 0, 60, 'total_full'],
  ])('%s', (_case, total, key, cost, expected) => {
    expect(admission(total, key, cost, limits)).toBe(expected);
  });
});

describe('BytesInFlight', () => {
  it('charges admitted answers only, and forgets a key once it has nothing in flight', () => {
    const account = new BytesInFlight(limits);
    expect(account.reserve('a', 50)).toBe('admit');
    expect(account.reserve('a', 20)).toBe('key_full');
    expect(account.reserve('b', 40)).toBe('admit');
    expect(account.reserve('c', 20)).toBe('total_full');
    expect(account.bytes).toBe(90);
    account.release('b', 40);
    account.release('a', 50);
    expect(account.bytes).toBe(0);
    expect(account.keys).toBe(0);
  });

  it('never holds more than the total, nor a key more than its share', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), cost: fc.integer({ min: 1, max: 60 }), release: fc.boolean() }), { maxLength: 200 }),
        (steps) => {
          const account = new BytesInFlight(limits);
          const open: { key: string; cost: number }[] = [];
          for (const step of steps) {
            if (step.release && open.length > 0) {
              const answer = open.shift() as { key: string; cost: number };
              account.release(answer.key, answer.cost);
            } else if (account.reserve(step.key, step.cost) === 'admit') open.push(step);
            expect(account.bytes).toBeLessThanOrEqual(limits.totalBytes);
            for (const key of ['a', 'b', 'c']) {
              const held = open.filter((answer) => answer.key === key);
              expect(held.reduce((sum, answer) => sum + answer.cost, 0)).toBeLessThanOrEqual(limits.perKeyBytes);
            }
          }
          for (const answer of open) account.release(answer.key, answer.cost);
          expect(account.bytes).toBe(0);
          expect(account.keys).toBe(0);
        },
      ),
    );
  });
});
