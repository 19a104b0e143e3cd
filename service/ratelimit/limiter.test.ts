import { RateLimiter } from './limiter.js';

describe('RateLimiter', () => {
  it('limits each client separately', () => {
    const limiter = new RateLimiter(2);
    expect(limiter.check('a', 1, 0)).toBe(0);
    expect(limiter.check('a', 1, 0)).toBe(0);
    expect(limiter.check('a', 1, 0)).toBe(1);
    expect(limiter.check('b', 1, 0)).toBe(0);
  });

  it('is off at rate 0 and keeps no state', () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 100; i++) expect(limiter.check('a', 1_000_000, 0)).toBe(0);
    expect(limiter.clients).toBe(0);
  });

  it('peeks without charging: only what check() charges counts', () => {
    const limiter = new RateLimiter(2);
    for (let i = 0; i < 10; i++) expect(limiter.peek('a', 1, 0)).toBe(0);
    expect(limiter.clients).toBe(0);
    limiter.check('a', 1, 0);
    limiter.check('a', 1, 0);
    expect(limiter.peek('a', 1, 0)).toBe(1);
    expect(limiter.peek('a', 1, 500)).toBe(0); // a second's half refills one token of two
    expect(limiter.peek('b', 1, 0)).toBe(0);
    expect(new RateLimiter(0).peek('a', 1_000_000, 0)).toBe(0);
  });

  it('forgets clients whose buckets have refilled', () => {
    const limiter = new RateLimiter(10);
    limiter.check('a', 5, 0);
    limiter.check('b', 10, 900);
    limiter.sweep(499);
    expect(limiter.clients).toBe(2);
    limiter.sweep(1_000);
    expect(limiter.clients).toBe(1);
    limiter.sweep(1_900);
    expect(limiter.clients).toBe(0);
  });
});
