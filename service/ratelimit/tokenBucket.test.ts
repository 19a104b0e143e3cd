import fc from 'fast-check';
import { consume, isIdle, type Bucket } from './tokenBucket.js';

describe('consume', () => {
  it('lets a new client burst one second of its rate, then refuses', () => {
    let bucket: Bucket | undefined;
    for (let i = 0; i < 10; i++) {
      const verdict = consume(bucket, 1000, 1, 10);
      expect(verdict.allowed).toBe(true);
      bucket = verdict.bucket;
    }
    expect(consume(bucket, 1000, 1, 10)).toEqual({ allowed: false, bucket: { tokens: 0, updatedMs: 1000 }, retryAfterS: 1 });
  });

  it('refills at the rate', () => {
    const empty: Bucket = { tokens: 0, updatedMs: 0 };
    expect(consume(empty, 99, 1, 10).allowed).toBe(false);
    expect(consume(empty, 100, 1, 10).allowed).toBe(true);
    expect(consume(empty, 60_000, 1, 10)).toEqual({ allowed: true, bucket: { tokens: 9, updatedMs: 60_000 } });
  });

  it('charges bytes and says how long until a large request fits', () => {
    const verdict = consume({ tokens: 100, updatedMs: 0 }, 0, 1_000_000, 400_000);
    expect(verdict).toEqual({ allowed: false, bucket: { tokens: 100, updatedMs: 0 }, retryAfterS: 3 });
  });

  it('does not refill when the clock goes backwards', () => {
    expect(consume({ tokens: 0, updatedMs: 5000 }, 4000, 1, 10).allowed).toBe(false);
  });

  it('never admits more than capacity plus rate × time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 500 }), cost: fc.integer({ min: 1, max: 50 }) }), { maxLength: 200 }),
        (rate, steps) => {
          let bucket: Bucket | undefined;
          let now = 0;
          let admitted = 0;
          for (const step of steps) {
            now += step.dt;
            const verdict = consume(bucket, now, step.cost, rate);
            bucket = verdict.bucket;
            if (verdict.allowed) admitted += step.cost;
            else expect(verdict.retryAfterS).toBeGreaterThanOrEqual(1);
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
