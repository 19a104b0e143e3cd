import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  test('a burst goes at once, then one request per 1/perSecond, in order', () => {
    let now = 0;
    const bucket = new TokenBucket(50, 100, () => now);
    const waits = Array.from({ length: 103 }, () => bucket.take());
    expect(waits.slice(0, 100)).toEqual(Array(100).fill(0));
    expect(waits.slice(100)).toEqual([20, 40, 60]);
    now = 60;
    expect(bucket.take()).toBe(20);
  });

  test('an idle bucket fills up to its burst, no further', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    for (let i = 0; i < 5; i++) bucket.take();
    now = 60_000;
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([0, 0, 0, 0, 0, 100]);
  });

  test("a 429's Retry-After holds every request, even with tokens left", () => {
    let now = 0;
    const bucket = new TokenBucket(50, 100, () => now);
    bucket.pause(2_000);
    expect(bucket.take()).toBe(2_000);
    now = 1_500;
    expect(bucket.take()).toBe(500);
    now = 2_000;
    expect(bucket.take()).toBe(0);
  });
});
