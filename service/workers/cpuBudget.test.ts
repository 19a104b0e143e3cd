import { cpuBudget, readCpuBudget } from './cpuBudget.js';

test.each([
  ['no cgroup files: the affinity', { affinity: 16 }, 16],
  ['cgroup v2 without a quota', { affinity: 16, cpuMax: 'max 100000\n' }, 16],
  ['cgroup v2, 1.5 CPUs: rounded up', { affinity: 16, cpuMax: '150000 100000\n' }, 2],
  ['cgroup v2, quota above the affinity', { affinity: 2, cpuMax: '800000 100000' }, 2],
  ['cgroup v2, a tenth of a CPU: still one worker', { affinity: 16, cpuMax: '10000 100000' }, 1],
  ['cgroup v1 without a quota', { affinity: 8, cfsQuota: '-1\n', cfsPeriod: '100000\n' }, 8],
  ['cgroup v1, 3 CPUs', { affinity: 8, cfsQuota: '300000', cfsPeriod: '100000' }, 3],
  ['an unreadable reading is no quota, not zero workers', { affinity: 4, cpuMax: 'garbage' }, 4],
])('%s', (_name, readings, expected) => {
  expect(cpuBudget(readings)).toBe(expected);
});

test("this machine's budget is a whole number of CPUs, at least one", () => {
  const budget = readCpuBudget();
  expect(Number.isInteger(budget) && budget >= 1).toBe(true);
});
