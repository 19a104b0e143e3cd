// The machinery a leader runs: informers on appliances, their children and pods; a keyed work queue
// that reconciles one appliance at a time; and the attestor. Built on start, torn down on stop, so a
// replica that loses leadership holds no stale cache and can campaign again without restarting.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PolicyV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { APPLIANCE_LABEL } from '../cdk8s/entropy-workload.js';
import { Attestor, probeable } from './attestation/attestor.js';
import { ConcurrencyLimit } from './attestation/probe.js';
import { key, ownerApplianceKey, Reconciler } from './appliance/reconciler.js';
import { GROUP, PLURAL, resolveSpec, VERSION, type EntropyAppliance, type OperatorDefaults } from './appliance/spec.js';
import { EventRecorder } from './cordon/events.js';
import { describeError, type Logger } from './log.js';
import { ResilientInformer, type ChangeKind } from './manager/informer.js';
import { WorkQueue } from './manager/work-queue.js';
import type { ApplianceCounts, OperatorMetrics } from './telemetry/metrics.js';

export interface ControllerOptions {
  watchNamespace: string;
  defaults: OperatorDefaults;
  probeConcurrency: number;
  log: Logger;
  metrics: OperatorMetrics;
}

const MANAGED = 'app.kubernetes.io/managed-by=r4-operator';
/** A safety net under the watches: every appliance is reconciled at least this often. */
const RESYNC_MS = 60_000;

export class Controller {
  private readonly appliances: ResilientInformer<EntropyAppliance & KubernetesObject>;
  private readonly children: Map<string, ResilientInformer<KubernetesObject>>;
  private readonly pods: ResilientInformer<V1Pod>;
  private readonly queue: WorkQueue;
  private readonly attestor: Attestor;
  private resync: NodeJS.Timeout | undefined;

  constructor(kubeConfig: KubeConfig, private readonly options: ControllerOptions) {
    const { watchNamespace: ns, log } = options;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const policy = kubeConfig.makeApiClient(PolicyV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const scoped = (group: string, resource: string) => `${group}${ns ? `/namespaces/${ns}` : ''}/${resource}`;
    const asList = <T extends KubernetesObject>(p: Promise<unknown>) => p as Promise<KubernetesListObject<T>>;

    const enqueue = (k: string | undefined) => k && this.queue.add(k);
    this.appliances = new ResilientInformer<EntropyAppliance & KubernetesObject>(
      kubeConfig,
      {
        name: PLURAL,
        path: scoped(`/apis/${GROUP}/${VERSION}`, PLURAL),
        list: () =>
          asList(
            ns
              ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
              : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }),
          ),
      },
      (_kind, a) => enqueue(key(a.metadata?.namespace ?? 'default', a.metadata?.name ?? '')),
      log,
    );
    const onChild = (_kind: ChangeKind, o: KubernetesObject) => enqueue(ownerApplianceKey(o));
    this.children = new Map<string, ResilientInformer<KubernetesObject>>([
      [
        'Deployment',
        new ResilientInformer(kubeConfig, {
          name: 'deployments',
          path: scoped('/apis/apps/v1', 'deployments'),
          labelSelector: MANAGED,
          list: () => asList(ns ? apps.listNamespacedDeployment({ namespace: ns, labelSelector: MANAGED }) : apps.listDeploymentForAllNamespaces({ labelSelector: MANAGED })),
        }, onChild, log),
      ],
      [
        'Service',
        new ResilientInformer(kubeConfig, {
          name: 'services',
          path: scoped('/api/v1', 'services'),
          labelSelector: MANAGED,
          list: () => asList(ns ? core.listNamespacedService({ namespace: ns, labelSelector: MANAGED }) : core.listServiceForAllNamespaces({ labelSelector: MANAGED })),
        }, onChild, log),
      ],
      [
        'PodDisruptionBudget',
        new ResilientInformer(kubeConfig, {
          name: 'poddisruptionbudgets',
          path: scoped('/apis/policy/v1', 'poddisruptionbudgets'),
          labelSelector: MANAGED,
          list: () =>
            asList(ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector: MANAGED }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector: MANAGED })),
        }, onChild, log),
      ],
    ]);
    this.pods = new ResilientInformer<V1Pod>(
      kubeConfig,
      {
        name: 'pods',
        path: scoped('/api/v1', 'pods'),
        labelSelector: APPLIANCE_LABEL,
        list: () => asList(ns ? core.listNamespacedPod({ namespace: ns, labelSelector: APPLIANCE_LABEL }) : core.listPodForAllNamespaces({ labelSelector: APPLIANCE_LABEL })),
      },
      (kind, pod) => this.podChanged(kind, pod),
      log,
    );

    const events = new EventRecorder(core, log);
    this.attestor = new Attestor({
      pods: (k) => this.podsOf(k),
      target: (k) => {
        const appliance = this.applianceOf(k);
        if (!appliance) return undefined;
        const spec = resolveSpec(appliance, options.defaults);
        return { expectedCoreSha256: spec.expectedCoreSha256, ...spec.attestation };
      },
      roundFinished: (k) => this.queue.add(k),
      event: (pod, k, e) =>
        events.forPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' }, k.split('/')[1] ?? '', e),
      outcome: (verdict, reason) => options.metrics.attestation(verdict, reason),
      limit: new ConcurrencyLimit(options.probeConcurrency),
      log,
    });
    const reconciler = new Reconciler({
      caches: {
        appliance: (namespace, name) => this.appliances.get(name, namespace),
        child: (kind, namespace, name) => this.children.get(kind)?.get(name, namespace),
        pods: (namespace, applianceName) => this.podsOf(key(namespace, applianceName)),
      },
      objects: KubernetesObjectApi.makeApiClient(kubeConfig),
      core,
      custom,
      attestor: this.attestor,
      events,
      defaults: options.defaults,
      log,
    });
    this.queue = new WorkQueue(
      async (k) => {
        const started = process.hrtime.bigint();
        try {
          await reconciler.reconcile(k);
          options.metrics.reconciled('success', Number(process.hrtime.bigint() - started) / 1e9);
        } catch (error) {
          options.metrics.reconciled('error', Number(process.hrtime.bigint() - started) / 1e9);
          throw error;
        }
      },
      {
        workers: 4,
        baseDelayMs: 200,
        maxDelayMs: 30_000,
        onError: (k, error, attempt) => log.warn('reconcile failed; retrying', { appliance: k, attempt, error: describeError(error) }),
      },
    );
  }

  /** Starts the watches (each lists first) and the periodic resync. */
  async start(): Promise<void> {
    await Promise.all([this.appliances.start(), this.pods.start(), ...[...this.children.values()].map((i) => i.start())]);
    this.resync = setInterval(() => {
      for (const a of this.appliances.list()) this.queue.add(key(a.metadata?.namespace ?? 'default', a.metadata?.name ?? ''));
    }, RESYNC_MS);
    this.options.log.info('controller started', { namespace: this.options.watchNamespace || '(all)' });
  }

  async stop(): Promise<void> {
    clearInterval(this.resync);
    this.attestor.stop();
    await this.queue.stop();
    await Promise.all([this.appliances.stop(), this.pods.stop(), ...[...this.children.values()].map((i) => i.stop())]);
  }

  /** Ready when every cache has been listed and every watch is up. */
  readiness(): { ok: boolean; reason: string } {
    const informers = [this.appliances, this.pods, ...this.children.values()];
    const unhealthy = informers.filter((i) => !i.healthy).length;
    return unhealthy === 0 ? { ok: true, reason: 'leading; caches synced' } : { ok: false, reason: `${unhealthy} of ${informers.length} watches are not synced and connected` };
  }

  counts(): ApplianceCounts[] {
    return this.appliances.list().map((a) => ({
      namespace: a.metadata?.namespace ?? 'default',
      appliance: a.metadata?.name ?? '',
      attested: a.status?.attestedReplicas ?? 0,
      cordoned: a.status?.cordonedReplicas ?? 0,
    }));
  }

  private applianceOf(applianceKey: string): EntropyAppliance | undefined {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    return this.appliances.get(name, namespace);
  }

  private podsOf(applianceKey: string): readonly V1Pod[] {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    return this.pods.list(namespace).filter((p) => p.metadata?.labels?.[APPLIANCE_LABEL] === name);
  }

  private podChanged(kind: ChangeKind, pod: V1Pod): void {
    const k = ownerApplianceKey(pod);
    if (!k) return;
    if (kind === 'delete') this.attestor.forgetPod(pod.metadata?.uid ?? '');
    // A pod that has just started running is probed now, not at the next interval.
    else if (probeable(pod) && this.attestor.record(pod).lastChecked === undefined) this.attestor.probeSoon(k);
    this.queue.add(k);
  }
}
