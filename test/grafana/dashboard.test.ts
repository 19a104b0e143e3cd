// The chart's Grafana dashboard: a well-formed Grafana 11 dashboard on a datasource the user picks, every
// panel with a query, and every service metric those queries read present in the /metrics of a real
// service (real core) after it served /random and refused a request over its rate limit. The operator's
// names are checked against a real operator in test/operator/operator-resilience.test.ts.
import { closeAgent, get, KEY, startTestService } from '../service/harness.js';
import { dashboardMetricNames, dataPanels, exportedNames, loadDashboard, metricNames } from './dashboard-queries.js';

afterAll(() => closeAgent());

const dashboard = loadDashboard();

/** Whether (), {} and [] close in order outside strings: a cheap guard against a query cut or mistyped. */
function balanced(expr: string): boolean {
  const closing: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const open: string[] = [];
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('({['.includes(c)) open.push(c);
    else if (c in closing && open.pop() !== closing[c]) return false;
  }
  return open.length === 0;
}
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

describe('the Grafana dashboard JSON', () => {
  test('a fixed uid, the r4 tag, Grafana 11 schema, and variables for the datasource, namespace and appliance', () => {
    expect(dashboard.uid).toBe('r4-attestation');
    expect(dashboard.tags).toEqual(['r4']);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['namespace', 'appliance']) {
      expect(variables.get(name)).toMatchObject({ type: 'query', datasource: DATASOURCE, multi: true, includeAll: true });
      // Their values come from an operator series a panel reads too, so they exist wherever the panels have data.
      expect(variables.get(name)?.definition).toMatch(/^label_values\(r4_operator_attested_pods[{,]/);
    }
  });

  test('every panel has a query, on the chosen datasource, never a hard-coded one', () => {
    const panels = dataPanels(dashboard);
    expect(panels.length).toBeGreaterThanOrEqual(12);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect({ title: panel.title, datasource: panel.datasource }).toEqual({ title: panel.title, datasource: DATASOURCE });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect({ title: panel.title, datasource: target.datasource }).toEqual({ title: panel.title, datasource: DATASOURCE });
        expect({ title: panel.title, expr: target.expr, balanced: balanced(target.expr ?? '') }).toEqual({ title: panel.title, expr: target.expr, balanced: true });
        expect({ title: panel.title, names: metricNames(target.expr ?? '') }).toEqual({ title: panel.title, names: expect.arrayContaining([expect.stringMatching(/^r4_/)]) });
      }
    }
    // The only datasource uid anywhere in the file is the variable.
    const uids = [...JSON.stringify(dashboard).matchAll(/"uid":"([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(uids)).toEqual(new Set(['r4-attestation', '${datasource}']));
  });

  test('its panels cover what the issue asks for', () => {
    const { operator, service } = dashboardMetricNames(dashboard);
    expect(operator).toEqual(
      expect.arrayContaining([
        'r4_operator_attested_pods',
        'r4_operator_cordoned_pods',
        'r4_operator_verdict_changes_total',
        'r4_operator_attestation_duration_seconds_bucket',
        'r4_operator_reconcile_errors_total',
        'r4_operator_reconcile_duration_seconds_bucket',
        'r4_operator_leader',
      ]),
    );
    expect(service).toEqual(expect.arrayContaining(['r4_http_requests_total', 'r4_random_bytes_served_total', 'r4_rate_limited_total', 'r4_core_restarts_total']));
    expect(service.filter((n) => !n.startsWith('r4_'))).toEqual([]);
  });
});

describe('metric names in PromQL', () => {
  test.each<[string, string[]]>([
    ['sum by (pod, status) (rate(r4_http_requests_total{route="/random", pod=~"${appliance}-.+"}[$__rate_interval]))', ['r4_http_requests_total']],
    ['histogram_quantile(0.99, sum by (le) (rate(r4_operator_attestation_duration_seconds_bucket[5m])))', ['r4_operator_attestation_duration_seconds_bucket']],
    ['sum(rate(a_total[1m])) by (x) / ignoring(y) group_left(z) b_count offset 5m', ['a_total', 'b_count']],
    ['max by (pod) (r4_operator_leader) == 1 and on (pod) up', ['r4_operator_leader', 'up']],
    ['1e9 * 0.5', []],
  ])('%s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe('the service side of the dashboard against a real service', () => {
  test('every service metric a panel reads is in its /metrics after /random traffic and one 429', async () => {
    const t = await startTestService({ RATE_LIMIT_RPS: '3', RATE_LIMIT_IP_RPS: '0' });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(`${t.url}/random?n=16`, { 'x-api-key': KEY })).status);
      expect(statuses).toContain(200);
      expect(statuses).toContain(429);
      const exposition = (await get(`${t.url}/metrics`)).body.toString('utf8');
      const exported = exportedNames(exposition);
      const { service } = dashboardMetricNames(dashboard);
      expect(service.filter((name) => !exported.has(name))).toEqual([]);
      // The series the panels select by: /random by status, the 429 among them.
      expect(exposition).toMatch(/^r4_http_requests_total\{route="\/random",status="429"\} [1-9]/m);
    } finally {
      await t.stop();
    }
  });
});
