import { CORE_RESTART_POLICY, failuresAfter, restartDelayMs } from './backoff.js';

describe('restartDelayMs', () => {
  it('doubles from the base up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelayMs(n, CORE_RESTART_POLICY));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('stays bounded for absurd counts and negative input', () => {
    expect(restartDelayMs(10_000, CORE_RESTART_POLICY)).toBe(30_000);
    expect(restartDelayMs(-3, CORE_RESTART_POLICY)).toBe(250);
  });
});

describe('failuresAfter', () => {
  it('resets after a stable run and extends a streak otherwise', () => {
    expect(failuresAfter(5, 60_000, CORE_RESTART_POLICY)).toBe(0);
    expect(failuresAfter(5, 59_999, CORE_RESTART_POLICY)).toBe(6);
    expect(failuresAfter(0, 0, CORE_RESTART_POLICY)).toBe(1);
  });
});
