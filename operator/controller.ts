// The machinery a leader runs: informers on appliances, their children and pods; a keyed work queue
// that reconciles one appliance at a time; and the attestor, which the appliance events schedule. Built on
// start, torn down on stop, so a replica that loses leadership holds no stale cache and can campaign again
// without restarting.
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
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/group.js';
import { APPLIANCE_LABEL, MANAGED_SELECTOR } from '../api/v1alpha1/labels.js';
import { resolveSpec, type OperatorDefaults } from '../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../api/v1alpha1/types.js';
import { Attestor, probeable } from './attestation/attestor.js';
import { ConcurrencyLimit } from './attestation/probe.js';
import { key, ownerApplianceKey, Reconciler } from './appliance/reconciler.js';
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

export class Controller {
  private readonly appliances: ResilientInformer<EntropyAppliance & KubernetesObject>;
  private readonly children: Map<string, ResilientInformer<KubernetesObject>>;
  private readonly pods: ResilientInformer<V1Pod>;
  private readonly queue: WorkQueue;
  private readonly attestor: Attestor;
  private readonly reconciler: Reconciler;

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
      (kind, a) => this.applianceChanged(kind, a),
      log,
    );
    const onChild = (_kind: ChangeKind, o: KubernetesObject) => enqueue(ownerApplianceKey(o));
    this.children = new Map<string, ResilientInformer<KubernetesObject>>([
      [
        'Deployment',
        new ResilientInformer(kubeConfig, {
          name: 'deployments',
          path: scoped('/apis/apps/v1', 'deployments'),
          labelSelector: MANAGED_SELECTOR,
          list: () => asList(ns ? apps.listNamespacedDeployment({ namespace: ns, labelSelector: MANAGED_SELECTOR }) : apps.listDeploymentForAllNamespaces({ labelSelector: MANAGED_SELECTOR })),
        }, onChild, log),
      ],
      [
        'Service',
        new ResilientInformer(kubeConfig, {
          name: 'services',
          path: scoped('/api/v1', 'services'),
          labelSelector: MANAGED_SELECTOR,
          list: () => asList(ns ? core.listNamespacedService({ namespace: ns, labelSelector: MANAGED_SELECTOR }) : core.listServiceForAllNamespaces({ labelSelector: MANAGED_SELECTOR })),
        }, onChild, log),
      ],
      [
        'PodDisruptionBudget',
        new ResilientInformer(kubeConfig, {
          name: 'poddisruptionbudgets',
          path: scoped('/apis/policy/v1', 'poddisruptionbudgets'),
          labelSelector: MANAGED_SELECTOR,
          list: () =>
            asList(ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector: MANAGED_SELECTOR }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector: MANAGED_SELECTOR })),
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
      roundFinished: (k) => this.queue.add(k),
      event: (pod, k, e) =>
        events.forPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' }, k.split('/')[1] ?? '', e),
      outcome: (verdict, reason) => options.metrics.attestation(verdict, reason),
      limit: new ConcurrencyLimit(options.probeConcurrency),
      log,
    });
    this.reconciler = new Reconciler({
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
          const result = await this.reconciler.reconcile(k);
          options.metrics.reconciled('success', Number(process.hrtime.bigint() - started) / 1e9);
          return result;
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

  /** Starts the watches (each lists first); every reconcile asks to run again within plan.ts's RESYNC_MS. */
  async start(): Promise<void> {
    await Promise.all([this.appliances.start(), this.pods.start(), ...[...this.children.values()].map((i) => i.start())]);
    this.options.log.info('controller started', { namespace: this.options.watchNamespace || '(all)' });
  }

  async stop(): Promise<void> {
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

  /** An appliance seen or changed is (re)scheduled for attestation and reconciled; a deleted one is forgotten. */
  private applianceChanged(kind: ChangeKind, appliance: EntropyAppliance & KubernetesObject): void {
    const k = key(appliance.metadata?.namespace ?? 'default', appliance.metadata?.name ?? '');
    if (kind === 'delete' || appliance.metadata.deletionTimestamp) {
      this.attestor.unschedule(k);
      this.reconciler.forget(k);
      this.queue.forget(k);
      return;
    }
    const spec = resolveSpec(appliance, this.options.defaults);
    this.attestor.schedule(k, { expectedCoreSha256: spec.expectedCoreSha256, ...spec.attestation });
    this.queue.add(k);
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
