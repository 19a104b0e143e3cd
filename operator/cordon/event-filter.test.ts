import { EventSpamFilter } from './event-filter.js';

describe('EventSpamFilter', () => {
  test('ten Events of one (object, reason) at once, then one per five minutes; other keys are not held', () => {
    let now = 0;
    const filter = new EventSpamFilter(10, 300_000, () => now);
    const first = Array.from({ length: 12 }, () => filter.allow('Pod/team/a/Unreachable'));
    expect(first.filter(Boolean)).toHaveLength(10);
    expect(first.slice(10)).toEqual([false, false]);
    expect(filter.allow('Pod/team/a/PodAttested')).toBe(true);
    expect(filter.allow('Pod/team/b/Unreachable')).toBe(true);
    now = 299_999;
    expect(filter.allow('Pod/team/a/Unreachable')).toBe(false);
    now = 300_000;
    expect(filter.allow('Pod/team/a/Unreachable')).toBe(true);
    expect(filter.allow('Pod/team/a/Unreachable')).toBe(false);
  });
});
