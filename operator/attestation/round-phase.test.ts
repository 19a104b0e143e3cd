import { roundPhaseMs, untilNextRoundMs } from './round-phase.js';

describe('round phases', () => {
  test('an appliance keeps its phase; the next round falls on it', () => {
    const phase = roundPhaseMs('team/demo', 10_000);
    expect(phase).toBe(roundPhaseMs('team/demo', 10_000));
    for (const now of [0, 1_234, 99_999, 1_700_000_000_000]) {
      const wait = untilNextRoundMs('team/demo', 10_000, now);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(10_000);
      expect((now + wait) % 10_000).toBe(phase);
    }
  });

  test('a hundred appliances spread over the interval: no second holds more than a fifth of them', () => {
    const perSecond = new Array<number>(10).fill(0);
    for (let i = 0; i < 100; i++) {
      const second = Math.floor(roundPhaseMs(`team-${i % 7}/appliance-${i}`, 10_000) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    }
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(20);
    expect(Math.min(...perSecond)).toBeGreaterThan(0);
  });
});
