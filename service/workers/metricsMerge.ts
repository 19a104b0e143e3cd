/**
 * /metrics of a service with several workers: each worker's Prometheus text, merged into one. Counters and
 * histograms (their buckets, sums and counts) add up; gauges are states the workers share (r4_mode, which
 * each reports for the whole service) and take the highest, except those that are amounts held per worker.
 */
const SUMMED_GAUGES = new Set(['r4_pool_bytes']);

const SAMPLE = /^(\S+?(?:\{.*\})?) (\S+)$/;

interface Family {
  comments: string[];
  summed: boolean;
  samples: Map<string, number>;
}

export function mergeMetrics(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  for (const text of texts) {
    let family: Family | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (comment !== null) {
        const name = comment[2] as string;
        family = families.get(name);
        if (family === undefined) {
          family = { comments: [], summed: true, samples: new Map() };
          families.set(name, family);
        }
        if (!family.comments.includes(line)) family.comments.push(line);
        if (comment[1] === 'TYPE') family.summed = comment[3] !== 'gauge' || SUMMED_GAUGES.has(name);
        continue;
      }
      const sample = SAMPLE.exec(line);
      if (sample === null || family === undefined) continue;
      const series = sample[1] as string;
      const value = Number(sample[2]);
      const before = family.samples.get(series);
      family.samples.set(series, before === undefined ? value : family.summed ? before + value : Math.max(before, value));
    }
  }
  const lines: string[] = [];
  for (const family of families.values()) {
    lines.push(...family.comments);
    for (const [series, value] of family.samples) lines.push(`${series} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
