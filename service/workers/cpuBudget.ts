import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * How many CPUs the service may use: the CPUs its affinity allows, capped by its cgroup's CPU quota (a
 * container limited to 1.5 CPUs on a 16-core node gets 2 workers, not 16). Pure: the readings come in.
 *   cpuMax   cgroup v2 `cpu.max`: "max 100000" (no quota) or "<quota> <period>" in microseconds
 *   cfsQuota, cfsPeriod   cgroup v1 `cpu.cfs_quota_us` (-1: no quota) and `cpu.cfs_period_us`
 */
export function cpuBudget(readings: { affinity: number; cpuMax?: string; cfsQuota?: string; cfsPeriod?: string }): number {
  const quota = quotaCpus(readings);
  const cpus = quota === undefined ? readings.affinity : Math.min(readings.affinity, Math.ceil(quota));
  return Math.max(1, cpus);
}

function quotaCpus(readings: { cpuMax?: string; cfsQuota?: string; cfsPeriod?: string }): number | undefined {
  if (readings.cpuMax !== undefined) {
    const [quota, period] = readings.cpuMax.trim().split(/\s+/);
    return ratio(quota, period);
  }
  return ratio(readings.cfsQuota?.trim(), readings.cfsPeriod?.trim());
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  if (quota === undefined || period === undefined || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}

/** This process's budget, read from /proc and the cgroup file system (v2, else v1); absent files mean no quota. */
export function readCpuBudget(): number {
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const cpuMax = read('/sys/fs/cgroup/cpu.max');
  return cpuBudget({
    affinity: availableParallelism(),
    ...(cpuMax === undefined ? {} : { cpuMax }),
    ...(cpuMax !== undefined ? {} : { cfsQuota: read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), cfsPeriod: read('/sys/fs/cgroup/cpu/cpu.cfs_period_us') }),
  });
}
