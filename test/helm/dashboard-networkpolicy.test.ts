// The chart's NetworkPolicies for the operator pods, as `helm template` renders them, enforced by a real
// implementation (kube-router's firewall controller, test/cluster/README.md): the dashboard port admits
// pods of the namespaces named in operator.dashboard.networkPolicy.namespaces and no other, while the
// metrics port still admits Prometheus's namespace and no other; with one of the two policies switched off
// its port is open again, as it was without policies. The "operator" is a pod with the chart's operator
// labels and named ports, each port an echo server, so what is measured is the policies alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllYaml, NetworkingV1Api, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { createNamespace, useLocalCluster, waitForReadyPod, type Clients } from '../cluster/jest-cluster.js';
import { getFromPod } from '../cluster/pod-exec.js';
import { waitFor } from '../support/wait-for.js';
import { chartDir, helm } from './helm.js';

const local = useLocalCluster({ networkPolicies: true }, 300_000);

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'r4-helm-netpol-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface OperatorPodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: { ports: { name: string; containerPort: number }[] }[] };
}

/** The chart's objects for a release in `namespace`, in the client library's model (its `from` is `_from`). */
async function render(namespace: string, args: string[]): Promise<KubernetesObject[]> {
  const result = await helm(['template', 'r4', chartDir, '--namespace', namespace, ...args], { home });
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return (loadAllYaml(result.stdout) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => o !== null);
}

async function readyPod(clients: Clients, namespace: string, body: V1Pod): Promise<V1Pod> {
  await clients.core.createNamespacedPod({ namespace, body });
  const name = body.metadata?.name ?? '';
  return waitForReadyPod(clients, namespace, name);
}

const echo = (name: string, port: number, portName?: string) => ({
  name,
  image: 'echo-server',
  env: [{ name: 'PORT', value: String(port) }],
  ports: [{ containerPort: port, ...(portName ? { name: portName } : {}) }],
  readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1 },
});

type Outcomes = Record<string, Record<string, string>>;

local.test(
  'the chart\'s policies: the dashboard port from the named namespaces only, the metrics port from Prometheus\'s only; a policy switched off opens its port',
  async ({ clients, namespace }) => {
    const suffix = namespace.slice(-6);
    const names = { security: `security-${suffix}`, monitoring: `monitoring-${suffix}`, stranger: `stranger-${suffix}` };
    const networking = clients.kc.makeApiClient(NetworkingV1Api);
    const values = ['--set', `operator.dashboard.networkPolicy.namespaces={${names.security}}`, '--set', `metrics.networkPolicy.namespaces={${names.monitoring}}`];
    try {
      const chart = await render(namespace, values);
      const deployment = chart.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: OperatorPodTemplate } };
      const template = deployment.spec.template;
      const ports = template.spec.containers[0]?.ports ?? [];
      expect(ports.map((p) => p.name)).toEqual(['http-metrics', 'dashboard']);

      for (const ns of Object.values(names)) await createNamespace(clients, ns);
      const [operator, ...clientPods] = await Promise.all([
        readyPod(clients, namespace, {
          metadata: { name: 'operator', labels: template.metadata.labels },
          spec: { terminationGracePeriodSeconds: 2, containers: ports.map((p, i) => echo(`listen-${i}`, p.containerPort, p.name)) },
        }),
        ...Object.entries(names).map(([role, ns]) => readyPod(clients, ns, { metadata: { name: role }, spec: { terminationGracePeriodSeconds: 2, containers: [echo('client', 9090)] } })),
      ]);
      const address = operator!.status!.podIP!;
      const outcomes = async (): Promise<Outcomes> => {
        const entries = await Promise.all(
          Object.keys(names).map(async (role, i) => {
            const client = clientPods[i]!;
            const perPort = await Promise.all(ports.map(async (p) => [p.name, await getFromPod(client, { scheme: 'http', options: { host: address, port: p.containerPort, path: '/' }, servedBody: /^hello from/ })] as const));
            return [role, Object.fromEntries(perPort)] as const;
          }),
        );
        return Object.fromEntries(entries);
      };
      const become = async (expected: Outcomes, what: string) => {
        await waitFor(
          async () => {
            const seen = await outcomes();
            return { ok: JSON.stringify(seen) === JSON.stringify(expected), state: { seen, expected } };
          },
          30_000,
          what,
        );
        // Still so a moment later: not a passing state of a sync in progress.
        expect(await outcomes()).toEqual(expected);
      };
      /** Replaces the namespace's policies with the chart's for these extra values. */
      const applyPolicies = async (...args: string[]) => {
        await networking.deleteCollectionNamespacedNetworkPolicy({ namespace });
        const policies = (await render(namespace, [...values, ...args])).filter((o) => o.kind === 'NetworkPolicy');
        for (const policy of policies) await clients.objects.create(policy);
        return policies.map((p) => p.metadata?.name).sort();
      };
      const served = 'served';
      const refused = 'ECONNREFUSED';
      const all = (outcome: string) => ({ 'http-metrics': outcome, dashboard: outcome });

      // Without policies every pod reaches both ports: what follows is the policies' doing.
      expect(await outcomes()).toEqual({ security: all(served), monitoring: all(served), stranger: all(served) });

      expect(await applyPolicies()).toEqual(['r4-operator-dashboard', 'r4-operator-metrics']);
      await become(
        {
          security: { 'http-metrics': refused, dashboard: served },
          monitoring: { 'http-metrics': served, dashboard: refused },
          stranger: all(refused),
        },
        'the dashboard from the security namespace only, the metrics from monitoring only',
      );

      expect(await applyPolicies('--set', 'metrics.networkPolicy.enabled=false')).toEqual(['r4-operator-dashboard']);
      await become(
        {
          security: all(served),
          monitoring: { 'http-metrics': served, dashboard: refused },
          stranger: { 'http-metrics': served, dashboard: refused },
        },
        'without the metrics policy: the metrics port open to all, the dashboard still from the security namespace only',
      );

      expect(await applyPolicies('--set', 'operator.dashboard.networkPolicy.enabled=false')).toEqual(['r4-operator-metrics']);
      await become(
        {
          security: { 'http-metrics': refused, dashboard: served },
          monitoring: all(served),
          stranger: { 'http-metrics': refused, dashboard: served },
        },
        'without the dashboard policy: the dashboard port open to all, the metrics still from monitoring only',
      );
    } finally {
      await Promise.all(Object.values(names).map((name) => clients.core.deleteNamespace({ name }).catch(() => undefined)));
    }
  },
  240_000,
);
