import { formatAge, formatAgo, formatDuration } from './relative-time.js';

test.each([
  [0, '0 s'],
  [999, '0 s'],
  [1000, '1 s'],
  [59_999, '59 s'],
  [60_000, '1 min'],
  [3_599_999, '59 min'],
  [3_600_000, '1 h'],
  [86_399_999, '23 h'],
  [86_400_000, '1 d'],
  [400 * 86_400_000, '400 d'],
  [-5000, '0 s'],
])('formatDuration(%p) is %p', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});

test('formatAgo counts back from now, and says "—" for no or bad times', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  expect(formatAgo('2026-11-30T11:58:30Z', now)).toBe('1 min ago');
  expect(formatAgo(undefined, now)).toBe('—');
  expect(formatAgo('yesterday', now)).toBe('—');
});

test('formatAge has no "ago"', () => {
  expect(formatAge('2026-11-28T12:00:00Z', Date.parse('2026-11-30T13:00:00Z'))).toBe('2 d');
  expect(formatAge('', 0)).toBe('—');
});
