// The operator when things go wrong around it: killed mid-reconcile, run twice, and its API server
// restarting under its watches. Real control plane, real operator processes, real entropy pods.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { ResilientInformer } from '../../operator/manager/informer.js';
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { dashboardMetricNames, exportedNames } from '../grafana/dashboard-queries.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { installCrd, installOperatorAccess, OPERATOR_NAMESPACE, startOperator, type OperatorProcess } from './operator-harness.js';

const local = useLocalCluster();
let kubeconfig: string;
let api: ApplianceApi;
const running: OperatorProcess[] = [];

beforeAll(async () => {
  await installCrd(local.clients);
  kubeconfig = await installOperatorAccess(local.cluster, local.clients);
  api = new ApplianceApi(local.clients);
}, 120_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((o) => o.stop()));
});

async function operator(identity: string): Promise<OperatorProcess> {
  const o = await startOperator(local.cluster, kubeconfig, identity);
  running.push(o);
  return o;
}

/** The operator's requests to the API server so far, by "<verb> <resource>" (r4_operator_api_requests_total). */
function apiRequests(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [, verb, resource, n] of metrics.matchAll(/^r4_operator_api_requests_total\{verb="(\w+)",resource="([^"]+)",code="\d+"\} (\d+)$/gm)) {
    const request = `${verb} ${resource}`;
    counts.set(request, (counts.get(request) ?? 0) + Number(n));
  }
  return counts;
}

const isLeader = async (o: OperatorProcess) => /^r4_operator_leader 1$/m.test((await o.get('/metrics')).body);
const attestedTwo = (a: Awaited<ReturnType<ApplianceApi['get']>>) => a.status?.attestedReplicas === 2 && condition(a, 'Available')?.status === 'True';

describe('operator resilience', () => {
  local.test('killed mid-reconcile and restarted, it converges with no duplicate objects', async ({ namespace, clients }) => {
    const first = await operator('op-a');
    await api.applyExample('examples/appliance.yaml', namespace);
    // Kill it as soon as it has started creating children.
    await waitFor(async () => {
      const d = await clients.apps.listNamespacedDeployment({ namespace });
      return { ok: d.items.length > 0, state: d.items.map((x) => x.metadata?.name) };
    }, 60_000, 'the first child to appear');
    await first.kill();
    running.splice(running.indexOf(first), 1);
    await operator('op-b');
    await api.waitForStatus(namespace, 'demo', '2 attested pods after the restart', attestedTwo, 150_000);
    const [deployments, services, pods] = await Promise.all([
      clients.apps.listNamespacedDeployment({ namespace }),
      clients.core.listNamespacedService({ namespace }),
      api.pods(namespace, 'demo'),
    ]);
    expect(deployments.items.map((d) => d.metadata?.name)).toEqual(['demo']);
    expect(services.items.map((s) => s.metadata?.name)).toEqual(['demo']);
    expect(pods).toHaveLength(2);
  }, 240_000);

  local.test('two operators: one leader; when it dies the other takes over within about 15 s', async ({ namespace, clients }) => {
    const a = await operator('op-1');
    const b = await operator('op-2');
    const leader = await waitFor(async () => {
      const [la, lb] = await Promise.all([isLeader(a), isLeader(b)]);
      return { ok: la !== lb, state: { 'op-1': la, 'op-2': lb } };
    }, 30_000, 'exactly one leader').then((s) => (s['op-1'] ? a : b));
    const standby = leader === a ? b : a;
    const lease = await clients.coordination.readNamespacedLease({ name: 'r4-operator', namespace: OPERATOR_NAMESPACE });
    expect(lease.spec?.holderIdentity).toBe(leader.identity);

    await api.applyExample('examples/appliance.yaml', namespace);
    await api.waitForStatus(namespace, 'demo', '2 attested pods under the first leader', attestedTwo, 150_000);

    await leader.kill();
    running.splice(running.indexOf(leader), 1);
    const killedAt = Date.now();
    // Nominal failover: the 15 s lease expires, then the standby's next 2 s retry takes it; 30 s leaves room for a busy machine.
    await waitFor(async () => ({ ok: await isLeader(standby), state: await standby.get('/readyz') }), 30_000, 'the standby to become leader');
    console.log(`leader failover took ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
    // The new leader keeps attesting: a new pod (scale up) gets attested.
    await api.patchSpec(namespace, 'demo', { replicas: 3 });
    await api.waitForStatus(namespace, 'demo', '3 attested pods under the new leader', (x) => x.status?.attestedReplicas === 3, 150_000);
  }, 300_000);

  local.test('it serves /healthz, /readyz and /metrics with reconcile and attestation counts, every name the Grafana dashboard reads', async ({ namespace }) => {
    const o = await operator('op-m');
    await api.applyExample('examples/appliance.yaml', namespace);
    await api.waitForStatus(namespace, 'demo', '2 attested pods', attestedTwo, 150_000);
    expect(await o.get('/healthz')).toEqual({ status: 200, body: '"ok"' });
    await waitFor(async () => {
      const r = await o.get('/readyz');
      return { ok: r.status === 200, state: r };
    }, 30_000, 'the operator to be ready');
    const metrics = (await o.get('/metrics')).body;
    expect(metrics).toMatch(/r4_operator_reconciles_total\{result="success"\} [1-9]/);
    expect(metrics).toMatch(/r4_operator_attestations_total\{verdict="Attested",reason="Attested"\} [1-9]/);
    expect(metrics).toContain('r4_operator_reconcile_duration_seconds_bucket');
    expect(metrics).toMatch(new RegExp(`r4_operator_attested_pods\\{namespace="${namespace}",appliance="demo"\\} 2`));
    expect(metrics).toContain('r4_operator_leader 1');
    // Each pod went from Pending to Attested once (or through Cordoned first, while its core was starting).
    const toAttested = [...metrics.matchAll(new RegExp(`^r4_operator_verdict_changes_total\\{namespace="${namespace}",appliance="demo",from="\\w+",to="Attested",reason="Attested"\\} (\\d+)$`, 'gm'))];
    expect(toAttested.reduce((sum, m) => sum + Number(m[1]), 0)).toBeGreaterThanOrEqual(2);
    expect(metrics).toMatch(new RegExp(`^r4_operator_attestation_duration_seconds_count\\{namespace="${namespace}",appliance="demo"\\} [1-9]`, 'm'));
    const exported = exportedNames(metrics);
    expect(dashboardMetricNames().operator.filter((name) => !exported.has(name))).toEqual([]);
    expect((await o.get('/nope')).status).toBe(404);

    // At steady state rounds confirm every verdict: no status write, no reconcile's GET, no patch, no Event
    // (its watches and its Lease aside), over two attestation intervals.
    // Stable, and the pods' Ready conditions caught up with their gates (the kubelet recomputes Ready after
    // the operator's gate write, and the status counts ready pods): nothing left to change.
    await api.waitForStatus(namespace, 'demo', 'nothing left to roll out, judge or count', (x) => condition(x, 'Progressing')?.reason === 'Stable' && x.status?.readyReplicas === 2, 60_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const before = apiRequests((await o.get('/metrics')).body);
    await new Promise((r) => setTimeout(r, 20_000));
    const after = apiRequests((await o.get('/metrics')).body);
    const made = [...after].filter(([request, n]) => n > (before.get(request) ?? 0)).map(([request, n]) => `${request}: ${n - (before.get(request) ?? 0)}`);
    expect(made.filter((r) => !/^(watch|list) |^\w+ leases:/.test(r))).toEqual([]);
  }, 230_000);

  local.test('the API server restarting under its watches: the operator recovers without being restarted', async ({ namespace, cluster }) => {
    const o = await operator('op-r');
    await api.applyExample('examples/appliance.yaml', namespace);
    await api.waitForStatus(namespace, 'demo', '2 attested pods', attestedTwo, 150_000);
    await cluster.restartApiServer();
    // Only working watches can see this change and the new pod it brings.
    await api.patchSpec(namespace, 'demo', { replicas: 3 });
    await api.waitForStatus(namespace, 'demo', '3 attested pods after the API server restart', (x) => x.status?.attestedReplicas === 3, 150_000);
    expect(() => process.kill(o.process.pid, 0)).not.toThrow(); // the same process, never restarted
    // Depending on how long the API server is away, its watches restart, or it also loses and retakes the lease.
    expect(o.logs()).toMatch(/watch failed; restarting|stopped leading/);
    await waitFor(async () => {
      const r = await o.get('/readyz');
      return { ok: r.status === 200, state: r };
    }, 60_000, 'the operator to report ready again');
  }, 300_000);

  local.test('a watch survives the API server restarting: it restarts by itself and sees later changes', async ({ namespace, cluster, clients }) => {
    const warnings: string[] = [];
    const seen = new Set<string>();
    const informer = new ResilientInformer<V1ConfigMap>(
      cluster.kc,
      { name: 'configmaps', path: `/api/v1/namespaces/${namespace}/configmaps`, list: () => clients.core.listNamespacedConfigMap({ namespace }) },
      (_kind, o) => seen.add(o.metadata?.name ?? ''),
      { info: () => undefined, warn: (message) => warnings.push(message) },
    );
    await informer.start();
    try {
      expect(informer.synced).toBe(true);
      await cluster.restartApiServer();
      await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after-restart' } } });
      await waitFor(async () => ({ ok: seen.has('after-restart') && informer.healthy, state: { seen: [...seen], healthy: informer.healthy, warnings } }), 60_000, 'the informer to see a change made after the restart');
      expect(warnings).toContain('watch failed; restarting');
    } finally {
      await informer.stop();
    }
  }, 120_000);
});
