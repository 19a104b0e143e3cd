// The chart's part of the attestation dashboard, rendered by the real `helm template`: every operator pod
// serves it on a named port behind the Service <release>-dashboard; a bearer token comes only from a Secret
// the user made, mounted read-only; an optional Ingress; a NetworkPolicy that admits the named namespaces
// to the dashboard port and, added to the metrics one, still admits Prometheus to the metrics port; the
// Grafana dashboard as a ConfigMap for Grafana's sidecar. Bad values are refused with messages naming them.
// (test/helm/dashboard-networkpolicy.test.ts has a real network plugin enforce the policies.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartDir, fullValues, helm, only, useChartTemplate, type Manifest } from './helm.js';

const chart = useChartTemplate();
const render = chart.render;

interface Container {
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; volumes: { name: string; secret?: unknown }[] };
}
interface NetworkPolicyPeer {
  namespaceSelector?: { matchExpressions?: { key: string; operator: string; values: string[] }[] };
}
interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  ports?: { protocol: string; port: string }[];
}
interface NetworkPolicy {
  metadata: { name: string };
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress?: NetworkPolicyRule[] | null };
}
interface ServiceSpec {
  type: string;
  selector: Record<string, string>;
  ports: { name: string; port: number; targetPort: string }[];
}

const podTemplate = (manifests: Manifest[]) => (only(manifests, 'Deployment', 'r4-operator') as unknown as { spec: { template: PodTemplate } }).spec.template;
const operatorContainer = (manifests: Manifest[]) => podTemplate(manifests).spec.containers[0] as Container;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
const policies = (manifests: Manifest[]) => manifests.filter((m) => m.kind === 'NetworkPolicy') as unknown as NetworkPolicy[];
const dashboardPolicy = (manifests: Manifest[]) => only(manifests, 'NetworkPolicy', 'r4-operator-dashboard') as unknown as NetworkPolicy;
const dashboardService = (manifests: Manifest[]) => (only(manifests, 'Service', 'r4-dashboard') as unknown as { metadata: { labels: Record<string, string> }; spec: ServiceSpec }).spec;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Whether a pod of namespace `source` may open the operator pods' named port, by NetworkPolicy's rules: a
 * pod no policy selects takes everything; a selected one only what some rule of some selecting policy
 * admits (policies add up; a rule without `from` admits every source, one without `ports` every port).
 */
function admits(manifests: Manifest[], source: string, port: string): boolean {
  const podLabels = podTemplate(manifests).metadata.labels;
  const selecting = policies(manifests).filter((p) => selects(p.spec.podSelector.matchLabels, podLabels) && p.spec.policyTypes.includes('Ingress'));
  if (selecting.length === 0) return true;
  const peerAdmits = (peer: NetworkPolicyPeer) =>
    (peer.namespaceSelector?.matchExpressions ?? []).every((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In' && e.values.includes(source));
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some((rule) => (rule.ports === undefined || rule.ports.some((r) => r.protocol === 'TCP' && r.port === port)) && (rule.from === undefined || rule.from.some(peerAdmits))),
  );
}

test('default values: the dashboard port and env, a ClusterIP Service to every operator pod, a policy that admits no pod', async () => {
  const manifests = await render();
  const container = operatorContainer(manifests);
  expect(container.ports).toEqual([
    { name: 'http-metrics', containerPort: 8081 },
    { name: 'dashboard', containerPort: 8082 },
  ]);
  expect(envOf(container)).toMatchObject({ DASHBOARD_PORT: '8082' });
  expect(envOf(container)).not.toHaveProperty('DASHBOARD_TOKEN_FILE');
  expect(podTemplate(manifests).spec.volumes.map((v) => v.name)).toEqual(['tmp']);

  // Every replica serves the same view: the Service selects them all, leader or not.
  const service = dashboardService(manifests);
  expect(service).toEqual({ type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'r4-operator', 'app.kubernetes.io/instance': 'r4' }, ports: [{ name: 'http', port: 80, targetPort: 'dashboard' }] });
  expect(selects(service.selector, podTemplate(manifests).metadata.labels)).toBe(true);

  // No namespace named: no pod reaches the dashboard port (port-forward does not cross the pod network).
  const policy = dashboardPolicy(manifests);
  expect(policy.spec).toEqual({ podSelector: { matchLabels: service.selector }, policyTypes: ['Ingress'], ingress: [] });
  expect(manifests.filter((m) => m.kind === 'Ingress' || m.kind === 'ConfigMap' || m.kind === 'Secret')).toEqual([]);
});

test('the policy admits the named namespaces to the dashboard port only', async () => {
  const manifests = await render('--set', 'operator.dashboard.networkPolicy.namespaces={security,platform}');
  expect(dashboardPolicy(manifests).spec.ingress).toEqual([
    {
      from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['security', 'platform'] }] } }],
      ports: [{ protocol: 'TCP', port: 'dashboard' }],
    },
  ]);
});

// What each namespace's pods may open on the operator pods, with both policies and the metrics one
// naming `monitoring`, the dashboard one `security`. Policies add up, and any policy that selects a pod
// closes all its other ports: a policy switched off leaves its port open, as it was without policies.
test.each([
  ['both policies', [], { security: ['dashboard'], monitoring: ['http-metrics'], stranger: [] }],
  ['no metrics policy', ['--set', 'metrics.networkPolicy.enabled=false'], { security: ['dashboard', 'http-metrics'], monitoring: ['http-metrics'], stranger: ['http-metrics'] }],
  ['no dashboard policy', ['--set', 'operator.dashboard.networkPolicy.enabled=false'], { security: ['dashboard'], monitoring: ['dashboard', 'http-metrics'], stranger: ['dashboard'] }],
  ['no policy', ['--set', 'metrics.networkPolicy.enabled=false', '--set', 'operator.dashboard.networkPolicy.enabled=false'], { security: ['dashboard', 'http-metrics'], monitoring: ['dashboard', 'http-metrics'], stranger: ['dashboard', 'http-metrics'] }],
  ['no dashboard', ['--set', 'operator.dashboard.enabled=false'], { security: [], monitoring: ['http-metrics'], stranger: [] }],
])('%s: each namespace reaches the ports it should', async (_name, args, expected) => {
  const manifests = await render('--set', 'operator.dashboard.networkPolicy.namespaces={security}', ...args);
  const ports = (operatorContainer(manifests).ports ?? []).map((p) => p.name);
  const reached = Object.fromEntries(['security', 'monitoring', 'stranger'].map((ns) => [ns, ports.filter((port) => admits(manifests, ns, port)).sort()]));
  expect(reached).toEqual(expected);
  // Every policy selects exactly the operator pods.
  const operatorSelector = (only(manifests, 'Deployment', 'r4-operator') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels;
  for (const policy of policies(manifests)) expect(policy.spec.podSelector.matchLabels).toEqual(operatorSelector);
});

test('switched off: DASHBOARD_PORT=off and no dashboard port, Service, Ingress or policy', async () => {
  const manifests = await render('--set', 'operator.dashboard.enabled=false', '--set', 'operator.dashboard.auth.existingSecret=r4-dashboard-token');
  const container = operatorContainer(manifests);
  expect(envOf(container).DASHBOARD_PORT).toBe('off');
  expect(envOf(container)).not.toHaveProperty('DASHBOARD_TOKEN_FILE');
  expect(container.ports?.map((p) => p.name)).toEqual(['http-metrics']);
  expect(podTemplate(manifests).spec.volumes.map((v) => v.name)).toEqual(['tmp']);
  expect(manifests.filter((m) => m.metadata.name.includes('dashboard') || m.kind === 'Ingress')).toEqual([]);
});

test('a token: only its key of the user\'s Secret, mounted read-only, and its path in DASHBOARD_TOKEN_FILE; the chart makes no token', async () => {
  const manifests = await render('--set', 'operator.dashboard.auth.existingSecret=r4-dashboard-token', '--set', 'operator.dashboard.auth.key=bearer');
  const container = operatorContainer(manifests);
  expect(envOf(container).DASHBOARD_TOKEN_FILE).toBe('/etc/r4/dashboard-auth/bearer');
  expect(container.volumeMounts).toEqual([
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'dashboard-auth', mountPath: '/etc/r4/dashboard-auth', readOnly: true },
  ]);
  expect(podTemplate(manifests).spec.volumes).toContainEqual({ name: 'dashboard-auth', secret: { secretName: 'r4-dashboard-token', items: [{ key: 'bearer', path: 'bearer' }] } });
  expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  // The default key is `token`, as the notes' `kubectl create secret ... --from-literal=token=...` makes it.
  const defaultKey = await render('--set', 'operator.dashboard.auth.existingSecret=r4-dashboard-token');
  expect(envOf(operatorContainer(defaultKey)).DASHBOARD_TOKEN_FILE).toBe('/etc/r4/dashboard-auth/token');
});

test('the notes say how to open the dashboard and how to make a token', async () => {
  const notes = async (...args: string[]) => {
    const result = await helm(['install', 'r4', chartDir, '--namespace', 'r4-system', '--dry-run=client', ...args], { home: chart.home() });
    if (result.code !== 0) throw new Error(result.stderr);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };
  const plain = await notes();
  expect(plain).toContain('kubectl -n r4-system port-forward svc/r4-dashboard 8082:80');
  expect(plain).toContain('http://127.0.0.1:8082/');
  expect(plain).toContain('--from-literal=token=$(openssl rand -hex 32)');
  const withToken = await notes('--set', 'operator.dashboard.auth.existingSecret=r4-dashboard-token');
  expect(withToken).toContain('Authorization: Bearer <token>');
  expect(withToken).not.toContain('openssl rand');
  expect(await notes('--set', 'operator.dashboard.enabled=false')).not.toContain('port-forward');
});

test('an Ingress only when asked, to the dashboard Service\'s port, its controller\'s namespace let in', async () => {
  expect((await render()).filter((m) => m.kind === 'Ingress')).toEqual([]);
  const manifests = await render('--values', fullValues);
  const ingress = only(manifests, 'Ingress', 'r4-dashboard') as unknown as { metadata: { annotations: Record<string, string> }; spec: unknown };
  expect(ingress.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTP' });
  expect(ingress.spec).toEqual({
    ingressClassName: 'nginx',
    tls: [{ hosts: ['r4.example.com'], secretName: 'r4-dashboard-tls' }],
    rules: [{ host: 'r4.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'r4-dashboard', port: { name: 'http' } } } }] } }],
  });
  expect(dashboardService(manifests).ports).toEqual([{ name: 'http', port: 8080, targetPort: 'dashboard' }]);
  expect(operatorContainer(manifests).ports).toContainEqual({ name: 'dashboard', containerPort: 9082 });
  expect(admits(manifests, 'ingress-nginx', 'dashboard')).toBe(true);
  expect(admits(manifests, 'security', 'dashboard')).toBe(true);
  expect(admits(manifests, 'ingress-nginx', 'http-metrics')).toBe(false);
});

test('the ServiceMonitor scrapes the metrics Service, not the dashboard\'s', async () => {
  const manifests = await render('--values', fullValues);
  const monitor = only(manifests, 'ServiceMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } };
  const services = manifests.filter((m) => m.kind === 'Service' && selects(monitor.spec.selector.matchLabels, m.metadata.labels ?? {}));
  expect(services.map((s) => s.metadata.name)).toEqual(['r4-operator-metrics']);
});

test('the Grafana dashboard: no ConfigMap by default; asked for, one labelled for the sidecar holding the chart\'s dashboard JSON', async () => {
  expect((await render()).filter((m) => m.kind === 'ConfigMap')).toEqual([]);
  const dashboard = JSON.parse(readFileSync(join(chartDir, 'dashboards', 'r4-grafana.json'), 'utf8')) as { uid: string };
  expect(dashboard.uid).toBe('r4-attestation');

  const manifests = await render('--set', 'grafana.dashboard.enabled=true');
  const configMap = only(manifests, 'ConfigMap', 'r4-grafana-dashboard') as unknown as { metadata: { namespace: string; labels: Record<string, string>; annotations?: unknown }; data: Record<string, string> };
  expect(configMap.metadata.namespace).toBe('r4-system');
  expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
  expect(configMap.metadata.annotations).toBeUndefined();
  expect(Object.keys(configMap.data)).toEqual(['r4-attestation.json']);
  expect(JSON.parse(configMap.data['r4-attestation.json'] as string)).toEqual(dashboard);

  // Another label, Grafana's namespace, a folder.
  const custom = only(await render('--values', fullValues, '--set', 'grafana.dashboard.label=example.com/dashboard', '--set', 'grafana.dashboard.labelValue=r4'), 'ConfigMap', 'r4-grafana-dashboard');
  expect(custom.metadata.namespace).toBe('monitoring');
  expect(custom.metadata.labels).toMatchObject({ 'example.com/dashboard': 'r4' });
  expect(custom.metadata.labels).not.toHaveProperty('grafana_dashboard');
  expect(custom.metadata.annotations).toEqual({ grafana_folder: 'r4' });
});

test.each([
  [['--set', 'operator.dashboard.port=0'], /\/operator\/dashboard\/port.*minimum/],
  [['--set', 'operator.dashboard.port=65536'], /\/operator\/dashboard\/port.*maximum/],
  [['--set', 'operator.dashboard.port=eighty'], /\/operator\/dashboard\/port/],
  [['--set', 'operator.dashboard.service.port=0'], /\/operator\/dashboard\/service\/port.*minimum/],
  [['--set', 'operator.dashboard.port=8081'], /operator\.dashboard\.port must differ from operator\.httpPort/],
  [['--set', 'operator.dashboard.enable=false'], /enable/],
  [['--set', 'operator.dashboard.networkPolicy.namespaces={Security}'], /\/operator\/dashboard\/networkPolicy\/namespaces\/0.*Security.*pattern/],
  [['--set', 'operator.dashboard.networkPolicy.namespaces=security'], /\/operator\/dashboard\/networkPolicy\/namespaces/],
  [['--set', 'operator.dashboard.networkPolicy.ingressControllerNamespace=Ingress_Nginx'], /ingressControllerNamespace/],
  [['--set', 'operator.dashboard.auth.existingSecret=My Secret'], /\/operator\/dashboard\/auth\/existingSecret/],
  // The key is a file name under /etc/r4/dashboard-auth: no path out of it.
  [['--set', 'operator.dashboard.auth.key=..'], /\/operator\/dashboard\/auth\/key/],
  [['--set', 'operator.dashboard.auth.key=../token'], /\/operator\/dashboard\/auth\/key/],
  [['--set', 'operator.dashboard.ingress.host=R4 Example'], /\/operator\/dashboard\/ingress\/host/],
  [['--set', 'operator.dashboard.ingress.tls.secretName=x/y'], /secretName/],
  [['--set', 'operator.dashboard.ingress.enabled=true', '--set', 'operator.dashboard.networkPolicy.ingressControllerNamespace=ingress-nginx'], /needs operator\.dashboard\.ingress\.host/],
  [['--set', 'operator.dashboard.ingress.enabled=true', '--set', 'operator.dashboard.ingress.host=r4.example.com'], /needs operator\.dashboard\.networkPolicy\.ingressControllerNamespace/],
  [['--set', 'operator.dashboard.enabled=false', '--set', 'operator.dashboard.ingress.enabled=true', '--set', 'operator.dashboard.ingress.host=r4.example.com'], /ingress\.enabled needs operator\.dashboard\.enabled/],
  [['--set', 'grafana.dashboard.enabled=yes'], /\/grafana\/dashboard\/enabled/],
  [['--set', 'grafana.dashboard.labelValue=not a value'], /\/grafana\/dashboard\/labelValue/],
  [['--set', 'grafana.dashboard.label=-bad'], /\/grafana\/dashboard\/label/],
  [['--set', 'grafana.dashboard.namespace=Monitoring'], /\/grafana\/dashboard\/namespace/],
  [['--set', 'grafana.dashbord.enabled=true'], /dashbord/],
])('bad values %j are refused with a message naming them', async (args, message) => {
  const result = await helm(['template', 'r4', chartDir, ...args], { home: chart.home() });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/panic|goroutine/);
});
