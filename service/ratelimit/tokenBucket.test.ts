import fc from 'fast-check';
import { fullBucket, isIdle, take, type Bucket } from './tokenBucket.js';

describe('take', () => {
  it('lets a new client burst one second of its rate, then refuses', () => {
    const bucket = fullBucket(10, 1000);
    for (let i = 0; i < 10; i++) expect(take(bucket, 1000, 1, 10)).toBe(0);
    expect(take(bucket, 1000, 1, 10)).toBe(1);
    expect(bucket).toEqual({ tokens: 0, updatedMs: 1000 });
  });

  it('refills at the rate', () => {
    const empty = (): Bucket => ({ tokens: 0, updatedMs: 0 });
    expect(take(empty(), 99, 1, 10)).toBe(1);
    expect(take(empty(), 100, 1, 10)).toBe(0);
    const refilled = empty();
    expect(take(refilled, 60_000, 1, 10)).toBe(0);
    expect(refilled).toEqual({ tokens: 9, updatedMs: 60_000 });
  });

  it('charges bytes and says how long until a large request fits', () => {
    const bucket: Bucket = { tokens: 100, updatedMs: 0 };
    expect(take(bucket, 0, 1_000_000, 400_000)).toBe(3);
    expect(bucket).toEqual({ tokens: 100, updatedMs: 0 });
  });

  it('does not refill when the clock goes backwards', () => {
    expect(take({ tokens: 0, updatedMs: 5000 }, 4000, 1, 10)).toBeGreaterThan(0);
  });

  it('never admits more than capacity plus rate × time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 500 }), cost: fc.integer({ min: 1, max: 50 }) }), { maxLength: 200 }),
        (rate, steps) => {
          const bucket = fullBucket(rate, 0);
          let now = 0;
          let admitted = 0;
          for (const step of steps) {
            now += step.dt;
            const retryAfterS = take(bucket, now, step.cost, rate);
            if (retryAfterS === 0) admitted += step.cost;
            else expect(retryAfterS).toBeGreaterThanOrEqual(1);
          }
          expect(admitted).toBeLessThanOrEqual(rate + (rate * now) / 1000 + 1e-6);
        },
      ),
    );
  });
});

describe('isIdle', () => {
  it('is idle once full again', () => {
    expect(isIdle({ tokens: 5, updatedMs: 0 }, 499, 10)).toBe(false);
    expect(isIdle({ tokens: 5, updatedMs: 0 }, 500, 10)).toBe(true);
  });
});
