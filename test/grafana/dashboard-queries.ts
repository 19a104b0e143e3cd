// The chart's Grafana dashboard read as data: its panels, their PromQL, and the metric names those
// queries use, so tests can hold each name against the real /metrics of the program that exports it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-paths.js';

export const DASHBOARD_PATH = join(repoRoot, 'charts', 'r4', 'dashboards', 'r4-grafana.json');

export interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: unknown;
  /** A query variable's PromQL, as the editor shows it. */
  definition?: string;
  datasource?: { type?: string; uid?: string };
  multi?: boolean;
  includeAll?: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

/** Every panel that shows data, rows' collapsed children included; rows themselves hold no query. */
export function dataPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

/** PromQL words that are not metric names. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names one PromQL expression reads. Strings (label values, Grafana variables inside them),
 * label matchers, range selectors and grouping clauses go first; what is left are functions (a name
 * followed by "("), keywords, numbers, and the metric names. A `_bucket`, `_sum` or `_count` name stays
 * as written: that is the series the program must export.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1] as string);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))];
}

/** Every metric name the dashboard's queries use, split by the program that exports it. */
export function dashboardMetricNames(dashboard: Dashboard = loadDashboard()): { operator: string[]; service: string[] } {
  const all = new Set(dataPanels(dashboard).flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr ?? ''))));
  const sorted = [...all].sort();
  return { operator: sorted.filter((n) => n.startsWith('r4_operator_')), service: sorted.filter((n) => !n.startsWith('r4_operator_')) };
}

/** The names of the series in a Prometheus text exposition (HELP and TYPE lines do not count). */
export function exportedNames(exposition: string): Set<string> {
  return new Set(
    exposition
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][\w:]*/.exec(line)?.[0] ?? line),
  );
}
