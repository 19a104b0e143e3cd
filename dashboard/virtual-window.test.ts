import { virtualWindow } from './virtual-window.js';

test.each([
  ['the top of a long table', [1000, 30, 0, 600, 10], { start: 0, end: 31, before: 0, after: 969 * 30 }],
  ['the middle', [1000, 30, 15_000, 600, 10], { start: 490, end: 531, before: 490 * 30, after: 469 * 30 }],
  ['the bottom', [1000, 30, 29_400, 600, 10], { start: 970, end: 1000, before: 970 * 30, after: 0 }],
  ['scrolled past the end (elastic scrolling)', [1000, 30, 40_000, 600, 10], { start: 1000, end: 1000, before: 30_000, after: 0 }],
  ['scrolled above the top', [1000, 30, -50, 600, 10], { start: 0, end: 31, before: 0, after: 969 * 30 }],
  ['a short table: all rows', [5, 30, 0, 600, 10], { start: 0, end: 5, before: 0, after: 0 }],
  ['no rows', [0, 30, 0, 600, 10], { start: 0, end: 0, before: 0, after: 0 }],
  ['no height measured yet: all rows', [50, 0, 0, 600, 10], { start: 0, end: 50, before: 0, after: 0 }],
] as const)('%s', (_name, [total, rowHeight, scrollTop, viewport, overscan], expected) => {
  expect(virtualWindow(total, rowHeight, scrollTop, viewport, overscan)).toEqual(expected);
});

test('the rendered rows always cover the viewport', () => {
  for (let scrollTop = 0; scrollTop <= 30_000; scrollTop += 173) {
    const w = virtualWindow(1000, 30, scrollTop, 600, 0);
    expect(w.before).toBeLessThanOrEqual(scrollTop);
    expect(w.before + (w.end - w.start) * 30).toBeGreaterThanOrEqual(Math.min(scrollTop + 600, 30_000));
  }
});
