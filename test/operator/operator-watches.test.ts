// The operator's watches against the real API server: a watch that the server ends is resumed from its
// resourceVersion with one WATCH and no LIST; an API server restart loses no change; a 410 costs exactly
// one LIST; a cache is shared by its consumers (the leader's controller subscribes to the dashboard's pod
// cache). Requests are counted at the client: every request (the typed clients' LISTs and the WATCHes)
// goes through the kubeconfig's authentication hook, which this test's kubeconfig records.
import { CoreV1Api, KubeConfig, type RequestContext, type V1ConfigMap } from '@kubernetes/client-node';
import { join } from 'node:path';
import { parseImageReference } from '../../api/v1alpha1/image.js';
import { Controller } from '../../operator/controller.js';
import { FleetView } from '../../operator/dashboard/fleet-view.js';
import { DashboardWatches } from '../../operator/dashboard/watches.js';
import { createLogger } from '../../operator/log.js';
import { ResilientInformer, type ChangeKind } from '../../operator/manager/informer.js';
import { DEFAULT_TIMING, type ReflectorTiming, type WatchObserver } from '../../operator/manager/reflector.js';
import { createOperatorMetrics } from '../../operator/telemetry/metrics.js';
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { repoRoot } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi } from './appliance-api.js';
import { entropyImage, installCrd, installOperatorAccess, OPERATOR_NAMESPACE } from './operator-harness.js';

const local = useLocalCluster();

/** A kubeconfig that records the URL of every request made with it. */
class RecordingKubeConfig extends KubeConfig {
  readonly requests: URL[] = [];

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.requests.push(new URL(context.getUrl()));
    return super.applySecurityAuthentication(context);
  }
}

interface Watched {
  informer: ResilientInformer<V1ConfigMap>;
  kc: RecordingKubeConfig;
  changes: { kind: ChangeKind; name: string; data?: Record<string, string> }[];
  counts: { restarts: number; relists: number };
  warnings: string[];
  lists(): URL[];
  watches(): URL[];
}

async function watchConfigMaps(kubeconfigPath: string, namespace: string, timing: Partial<ReflectorTiming> = {}, indexLabel?: string): Promise<Watched> {
  const kc = new RecordingKubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const counts = { restarts: 0, relists: 0 };
  const observer: WatchObserver = { watchRestarted: () => counts.restarts++, relisted: () => counts.relists++ };
  const changes: Watched['changes'] = [];
  const warnings: string[] = [];
  const informer = new ResilientInformer<V1ConfigMap>(
    kc,
    { name: 'configmaps', path: `/api/v1/namespaces/${namespace}/configmaps`, list: () => core.listNamespacedConfigMap({ namespace }), ...(indexLabel && { indexLabel }) },
    (kind, o) => changes.push({ kind, name: o.metadata?.name ?? '', ...(o.data && { data: o.data }) }),
    { info: () => undefined, warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`) },
    observer,
    { ...DEFAULT_TIMING, ...timing },
  );
  await informer.start();
  const ofConfigMaps = (u: URL) => u.pathname === `/api/v1/namespaces/${namespace}/configmaps`;
  return {
    informer,
    kc,
    changes,
    counts,
    warnings,
    lists: () => kc.requests.filter((u) => ofConfigMaps(u) && u.searchParams.get('watch') !== 'true'),
    watches: () => kc.requests.filter((u) => ofConfigMaps(u) && u.searchParams.get('watch') === 'true'),
  };
}

/** The cache holds exactly what the API server has, data included. */
async function cacheMatchesServer(w: Watched, core: CoreV1Api, namespace: string): Promise<void> {
  await waitFor(
    async () => {
      const server = (await core.listNamespacedConfigMap({ namespace })).items.map((c) => `${c.metadata?.name}=${JSON.stringify(c.data ?? {})}`).sort();
      const cached = w.informer.list(namespace).map((c) => `${c.metadata?.name}=${JSON.stringify(c.data ?? {})}`).sort();
      return { ok: JSON.stringify(server) === JSON.stringify(cached) && w.informer.healthy, state: { server, cached, healthy: w.informer.healthy, warnings: w.warnings } };
    },
    60_000,
    'the cache to hold what the API server has',
  );
}

describe('operator watches', () => {
  local.test('a watch the API server ends is resumed from its resourceVersion, with bookmarks and no LIST', async ({ cluster, clients, namespace }) => {
    // Watches that the server ends after 2 s, so several end within the test.
    const w = await watchConfigMaps(cluster.kubeconfigPath, namespace, { watchTimeoutSeconds: { min: 2, max: 2 } });
    try {
      for (let i = 0; i < 3; i++) {
        const before = w.counts.restarts;
        await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } } });
        await waitFor(async () => ({ ok: w.counts.restarts > before, state: w.counts }), 20_000, 'the server to end the watch and the reflector to open another');
      }
      await clients.core.deleteNamespacedConfigMap({ namespace, name: 'cm-0' });
      await cacheMatchesServer(w, clients.core, namespace);
      expect(w.changes).toEqual(expect.arrayContaining([{ kind: 'add', name: 'cm-2', data: { i: '2' } }, { kind: 'delete', name: 'cm-0', data: { i: '0' } }]));
      expect(w.lists()).toHaveLength(1);
      expect(w.counts.relists).toBe(0);
      expect(w.watches().length).toBeGreaterThanOrEqual(4);
      expect(w.watches()).toHaveLength(w.counts.restarts + 1);
      for (const u of w.watches()) {
        expect(u.searchParams.get('allowWatchBookmarks')).toBe('true');
        expect(u.searchParams.get('timeoutSeconds')).toBe('2');
        expect(u.searchParams.get('resourceVersion')).toMatch(/^[0-9]+$/);
      }
      expect(w.warnings).toEqual([]);
    } finally {
      await w.informer.stop();
    }
  });

  local.test('a second consumer shares the cache: told what it holds, then every change; the label index follows relabels and deletions', async ({ cluster, clients, namespace }) => {
    const w = await watchConfigMaps(cluster.kubeconfigPath, namespace, {}, 'r4.dev/appliance');
    const labelled = (name: string, appliance: string) => ({ metadata: { name, labels: { 'r4.dev/appliance': appliance } } });
    const names = (appliance: string) => w.informer.byLabel(namespace, appliance).map((c) => c.metadata?.name).sort();
    try {
      await clients.core.createNamespacedConfigMap({ namespace, body: labelled('a-1', 'a') });
      await clients.core.createNamespacedConfigMap({ namespace, body: labelled('a-2', 'a') });
      await clients.core.createNamespacedConfigMap({ namespace, body: labelled('b-1', 'b') });
      await cacheMatchesServer(w, clients.core, namespace);
      const second: string[] = [];
      const unsubscribe = w.informer.subscribe((kind, o) => second.push(`${kind} ${o.metadata?.name}`));
      expect(second.filter((c) => c.startsWith('add ')).sort()).toEqual(expect.arrayContaining(['add a-1', 'add a-2', 'add b-1']));
      expect(names('a')).toEqual(['a-1', 'a-2']);

      await clients.core.patchNamespacedConfigMap({ namespace, name: 'a-2', body: [{ op: 'replace', path: '/metadata/labels/r4.dev~1appliance', value: 'b' }] });
      await clients.core.deleteNamespacedConfigMap({ namespace, name: 'b-1' });
      await waitFor(async () => ({ ok: second.includes('delete b-1') && second.includes('update a-2'), state: second }), 20_000, 'the second consumer to see the relabel and the deletion');
      expect(names('a')).toEqual(['a-1']);
      expect(names('b')).toEqual(['a-2']);

      unsubscribe();
      await clients.core.createNamespacedConfigMap({ namespace, body: labelled('a-3', 'a') });
      await waitFor(async () => ({ ok: names('a').includes('a-3'), state: names('a') }), 20_000, 'the cache to see a-3');
      expect(second).not.toContain('add a-3');
      expect(w.lists()).toHaveLength(1);
    } finally {
      await w.informer.stop();
    }
  });

  local.test("the client's inactivity timeout is the reflector's, not client-node's 30 s: a silent watch is re-opened, not re-listed", async ({ cluster, namespace }) => {
    // 1 s of silence here; in production 90 s, above the API server's one bookmark a minute.
    const w = await watchConfigMaps(cluster.kubeconfigPath, namespace, { inactivityMs: 1_000 });
    try {
      await waitFor(async () => ({ ok: w.counts.restarts >= 2, state: w.counts }), 20_000, 'the client to give up on two silent watches');
      expect(w.lists()).toHaveLength(1);
      expect(w.counts.relists).toBe(0);
      expect(w.warnings).toEqual([]);
    } finally {
      await w.informer.stop();
    }
  });

  local.test('an API server restart loses no change, and a 410 costs exactly one LIST', async ({ cluster, clients, namespace }) => {
    const w = await watchConfigMaps(cluster.kubeconfigPath, namespace);
    try {
      await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before' }, data: { v: '1' } } });
      await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'doomed' } } });
      await cacheMatchesServer(w, clients.core, namespace);
      // Another kind's write moves etcd's revision past the last one this watch saw; the restarted API
      // server's watch cache starts there, so resuming from the older revision is answered 410.
      await clients.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'moves-the-revision' } } });
      await cluster.restartApiServer();
      await clients.core.patchNamespacedConfigMap({ namespace, name: 'before', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
      await clients.core.deleteNamespacedConfigMap({ namespace, name: 'doomed' });
      await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after' }, data: { v: '3' } } });
      await cacheMatchesServer(w, clients.core, namespace);
      expect(w.changes).toEqual(
        expect.arrayContaining([
          { kind: 'update', name: 'before', data: { v: '2' } },
          { kind: 'delete', name: 'doomed' },
          { kind: 'add', name: 'after', data: { v: '3' } },
        ]),
      );
      expect(w.counts.relists).toBe(1);
      expect(w.lists()).toHaveLength(2);
    } finally {
      await w.informer.stop();
    }
  }, 180_000);

  local.test("the leader's controller shares the dashboard's pod cache: one pod LIST between them, pods attested and shown", async ({ cluster, clients, namespace }) => {
    await installCrd(clients);
    const kc = new RecordingKubeConfig();
    kc.loadFromFile(await installOperatorAccess(cluster, clients));
    const entropy = entropyImage(cluster);
    const log = createLogger('warn', {}, () => undefined);
    const metrics = createOperatorMetrics('0.0.0-test', { isLeader: () => true, appliances: () => [] });
    const view: FleetView = new FleetView({ replica: 'in-test', leader: () => true, synced: (): boolean => watches.synced });
    const watches: DashboardWatches = new DashboardWatches(kc, [namespace], view, log, metrics);
    const controller = new Controller(kc, {
      watchNamespaces: [namespace],
      allowedImageRepositories: [parseImageReference(entropy.image).repository],
      operatorNamespace: OPERATOR_NAMESPACE,
      defaults: { image: entropy.image, imageDigest: entropy.digest, coreSha256: entropy.coreSha256 },
      probeConcurrency: 8,
      log,
      metrics,
      core: { corePath: join(repoRoot, 'native/build/re4_dump'), manifestPath: join(repoRoot, 'native/build/manifest.json') },
      pods: watches.pods,
    });
    try {
      await watches.start();
      await controller.start();
      await new ApplianceApi(clients).applyExample('examples/appliance.yaml', namespace);
      await new ApplianceApi(clients).waitForStatus(namespace, 'demo', '2 attested pods', (a) => a.status?.attestedReplicas === 2, 150_000);
      await waitFor(async () => ({ ok: view.appliance(namespace, 'demo')?.pods.filter((p) => p.verdict === 'Attested').length === 2, state: view.appliance(namespace, 'demo') }), 30_000, 'the dashboard to show both pods attested');
      const pods = (u: URL) => u.pathname === `/api/v1/namespaces/${namespace}/pods`;
      expect(kc.requests.filter((u) => pods(u) && u.searchParams.get('watch') !== 'true')).toHaveLength(1);
      expect(controller.readiness().ok).toBe(true);
    } finally {
      await controller.stop();
      await watches.stop();
      await metrics.shutdown();
    }
  }, 240_000);
});
