// The machinery a leader runs: informers on appliances, their children and pods; a keyed work queue
// that reconciles one appliance at a time; the attestor, which the appliance events schedule; and the
// operator's certificate authority. Built on start, torn down on stop, so a replica that loses leadership
// holds no stale cache and can campaign again without restarting.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubernetesObjectApi,
  NetworkingV1Api,
  PolicyV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { APPLIANCE_LABEL, MANAGED_SELECTOR } from '../api/v1alpha1/labels.js';
import { resolveSpec, type OperatorDefaults } from '../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../api/v1alpha1/types.js';
import { CONTAINER_PORT } from '../cdk8s/entropy-workload.js';
import { Attestor, entropyContainer, type PodTrust } from './attestation/attestor.js';
import { ConcurrencyLimit } from './attestation/probe.js';
import type { KeyBinding } from './attestation/verdict.js';
import { key, ownerApplianceKey, Reconciler } from './appliance/reconciler.js';
import { EventRecorder } from './cordon/events.js';
import { describeError, type Logger } from './log.js';
import { ResilientInformer, type ChangeKind } from './manager/informer.js';
import { ALL_NAMESPACES, InformerSet } from './manager/informer-set.js';
import { slimReplicaSet, stripManagedFields } from './manager/slim.js';
import { appliancesResource, appliancePodsResource, asList, scopedPath, type ApplianceObject } from './manager/watched.js';
import { WorkQueue } from './manager/work-queue.js';
import type { ApplianceCounts, OperatorMetrics } from './telemetry/metrics.js';
import { loadOperatorCa, type OperatorCa } from './tls/operator-ca.js';
import { coreKeyMaker, type CoreFiles } from './vrf/keygen.js';

export interface ControllerOptions {
  /** The namespaces whose appliances are reconciled; empty: every namespace. */
  watchNamespaces: readonly string[];
  /** Repositories an appliance's spec.image may name. */
  allowedImageRepositories: readonly string[];
  /** Where the operator's CA Secret lives. */
  operatorNamespace: string;
  defaults: OperatorDefaults;
  probeConcurrency: number;
  log: Logger;
  metrics: OperatorMetrics;
  /** The core and its manifest, which make the appliances' VRF keys. */
  core: CoreFiles;
  /**
   * The appliances' pods as another watcher of this process already caches them (the dashboard's, which
   * runs on every replica): the controller subscribes instead of holding a second copy. Absent: its own.
   */
  pods?: InformerSet<V1Pod>;
}

export class Controller {
  private readonly appliances: InformerSet<ApplianceObject>;
  private readonly children: Map<string, InformerSet<KubernetesObject>>;
  private readonly pods: InformerSet<V1Pod>;
  /** Set when the pod cache is shared: stop unsubscribes rather than stopping it. */
  private unsubscribePods: (() => void) | undefined;
  private readonly queue: WorkQueue;
  private readonly attestor: Attestor;
  private readonly reconciler: Reconciler;
  private readonly core: CoreV1Api;
  private readonly trust = new Map<string, PodTrust>();
  /** Pods that carry an appliance's labels without belonging to it, already reported. */
  private readonly foreignPods = new Set<string>();
  private readonly events: EventRecorder;
  private ca: OperatorCa | undefined;

  constructor(kubeConfig: KubeConfig, private readonly options: ControllerOptions) {
    const { log } = options;
    const namespaces = options.watchNamespaces.length > 0 ? options.watchNamespaces : [ALL_NAMESPACES];
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.core = core;
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const policy = kubeConfig.makeApiClient(PolicyV1Api);
    const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    const networking = kubeConfig.makeApiClient(NetworkingV1Api);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const labelSelector = MANAGED_SELECTOR;

    this.appliances = new InformerSet(namespaces, (ns) =>
      new ResilientInformer<ApplianceObject>(kubeConfig, appliancesResource(custom, ns), (kind, a) => this.applianceChanged(kind, a), log, options.metrics),
    );
    // What the operator made (or, for ReplicaSets, its Deployments made): each change reconciles its appliance.
    const onChild = (_kind: ChangeKind, o: KubernetesObject) => {
      const k = ownerApplianceKey(o);
      if (k) this.queue.add(k);
    };
    const managed = (kind: string, group: string, resource: string, list: (ns: string) => Promise<unknown>) =>
      [
        kind,
        new InformerSet(
          namespaces,
          (ns) => new ResilientInformer<KubernetesObject>(kubeConfig, { name: resource, path: scopedPath(ns, group, resource), labelSelector, indexLabel: APPLIANCE_LABEL, transform: kind === 'ReplicaSet' ? slimReplicaSet : stripManagedFields, list: () => asList(list(ns)) }, onChild, log, options.metrics),
        ),
      ] as const;
    this.children = new Map<string, InformerSet<KubernetesObject>>([
      managed('Deployment', '/apis/apps/v1', 'deployments', (ns) =>
        ns ? apps.listNamespacedDeployment({ namespace: ns, labelSelector }) : apps.listDeploymentForAllNamespaces({ labelSelector }),
      ),
      managed('ReplicaSet', '/apis/apps/v1', 'replicasets', (ns) =>
        ns ? apps.listNamespacedReplicaSet({ namespace: ns, labelSelector }) : apps.listReplicaSetForAllNamespaces({ labelSelector }),
      ),
      managed('Service', '/api/v1', 'services', (ns) => (ns ? core.listNamespacedService({ namespace: ns, labelSelector }) : core.listServiceForAllNamespaces({ labelSelector }))),
      managed('EndpointSlice', '/apis/discovery.k8s.io/v1', 'endpointslices', (ns) =>
        ns ? discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector }) : discovery.listEndpointSliceForAllNamespaces({ labelSelector }),
      ),
      managed('ConfigMap', '/api/v1', 'configmaps', (ns) => (ns ? core.listNamespacedConfigMap({ namespace: ns, labelSelector }) : core.listConfigMapForAllNamespaces({ labelSelector }))),
      managed('PodDisruptionBudget', '/apis/policy/v1', 'poddisruptionbudgets', (ns) =>
        ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector }),
      ),
      managed('NetworkPolicy', '/apis/networking.k8s.io/v1', 'networkpolicies', (ns) =>
        ns ? networking.listNamespacedNetworkPolicy({ namespace: ns, labelSelector }) : networking.listNetworkPolicyForAllNamespaces({ labelSelector }),
      ),
    ]);
    this.pods =
      options.pods ??
      new InformerSet(namespaces, (ns) => new ResilientInformer<V1Pod>(kubeConfig, appliancePodsResource(core, ns), (kind, pod) => this.podChanged(kind, pod), log, options.metrics));

    this.events = new EventRecorder(core, log);
    const events = this.events;
    this.attestor = new Attestor({
      pods: (k) => this.podsOf(k),
      trust: (k) => this.trust.get(k),
      recordedBinding: (pod) => this.recordedBinding(pod),
      // A round that changed nothing needs no reconcile: the resync (RESYNC_MS) stays the safety net. A change
      // goes ahead of routine reconciles: it opens or closes pods' gates and their place in the slice.
      roundFinished: (k, changed) => {
        if (changed) this.queue.add(k, true);
      },
      event: (pod, k, e) =>
        events.forPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' }, k.split('/')[1] ?? '', e),
      outcome: (verdict, reason) => options.metrics.attestation(verdict, reason),
      verdictChanged: (k, change) => {
        const [namespace, appliance] = k.split('/') as [string, string];
        options.metrics.verdictChanged({ namespace, appliance, ...change });
      },
      probed: (k, seconds) => {
        const [namespace, appliance] = k.split('/') as [string, string];
        options.metrics.probed(namespace, appliance, seconds);
      },
      limit: new ConcurrencyLimit(options.probeConcurrency),
      port: CONTAINER_PORT,
      log,
    });
    this.reconciler = new Reconciler({
      caches: {
        appliance: (namespace, name) => this.appliances.get(name, namespace),
        child: (kind, namespace, name) => this.children.get(kind)?.get(name, namespace),
        pods: (namespace, applianceName) => this.podsOf(key(namespace, applianceName)),
      },
      objects: KubernetesObjectApi.makeApiClient(kubeConfig),
      cachedChild: (kind, namespace, name) => this.children.get(kind)?.get(name, namespace),
      core,
      custom,
      attestor: this.attestor,
      events,
      defaults: options.defaults,
      allowedImageRepositories: options.allowedImageRepositories,
      operatorNamespace: options.operatorNamespace,
      issuer: {
        caPem: () => this.operatorCa().caPem,
        issue: (dnsNames, now) => this.operatorCa().issue(dnsNames, now),
      },
      renewalDue: (certPem, dnsNames, now) => this.operatorCa().renewalDue(certPem, dnsNames, now),
      trustChanged: (k, trust) => this.trust.set(k, trust),
      vrfKeyMaker: coreKeyMaker(options.core),
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

  /** Loads (or creates) the CA, then starts the watches (each lists first); reconciles follow their events. */
  async start(): Promise<void> {
    this.ca = await loadOperatorCa(this.core, this.options.operatorNamespace, this.options.log);
    await Promise.all([this.appliances.start(), this.startPods(), ...[...this.children.values()].map((i) => i.start())]);
    this.options.log.info('controller started', { namespaces: this.options.watchNamespaces.join(',') || '(all)' });
  }

  async stop(): Promise<void> {
    this.attestor.stop();
    await this.queue.stop();
    this.unsubscribePods?.();
    await Promise.all([this.appliances.stop(), ...(this.options.pods ? [] : [this.pods.stop()]), ...[...this.children.values()].map((i) => i.stop())]);
  }

  /** Its own pod cache starts; a shared one is subscribed to once it has listed (every pod it holds is told as added). */
  private async startPods(): Promise<void> {
    if (!this.options.pods) return this.pods.start();
    await this.options.pods.untilSynced();
    this.unsubscribePods = this.options.pods.subscribe((kind, pod) => this.podChanged(kind, pod));
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

  private operatorCa(): OperatorCa {
    if (!this.ca) throw new Error('the operator CA is not loaded yet');
    return this.ca;
  }

  /** An appliance seen or changed is (re)scheduled for attestation and reconciled; a deleted one is forgotten. */
  private applianceChanged(kind: ChangeKind, appliance: EntropyAppliance & KubernetesObject): void {
    const k = key(appliance.metadata?.namespace ?? 'default', appliance.metadata?.name ?? '');
    if (kind === 'delete' || appliance.metadata.deletionTimestamp) {
      this.attestor.unschedule(k);
      this.reconciler.forget(k);
      this.queue.forget(k);
      this.trust.delete(k);
      return;
    }
    const spec = resolveSpec(appliance, this.options.defaults);
    const previous = appliance.status?.previousImageDigest;
    this.attestor.schedule(k, {
      expectedCoreSha256: spec.expectedCoreSha256,
      imageDigests: previous && previous !== spec.imageDigest ? [spec.imageDigest, previous] : [spec.imageDigest],
      ...spec.attestation,
    });
    this.queue.add(k);
  }

  /**
   * The appliance's own pods: those of the ReplicaSets of the Deployment it owns. A pod that merely carries
   * its labels (made by hand, or by anything else) is not one: never probed, never an endpoint; it is
   * reported once in an Event.
   */
  private podsOf(applianceKey: string): V1Pod[] {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    const appliance = this.appliances.get(name, namespace);
    const deployment = this.children.get('Deployment')?.get(name, namespace);
    const ownedBy = (o: KubernetesObject, uid: string | undefined) => uid !== undefined && (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller);
    const labelled = this.pods.byLabel(namespace, name);
    if (!appliance || !deployment || !ownedBy(deployment, appliance.metadata.uid)) return [];
    // A Deployment's ReplicaSets carry its pod template's labels, the appliance's among them.
    const replicaSets = new Set(
      (this.children.get('ReplicaSet')?.byLabel(namespace, name) ?? []).filter((rs) => ownedBy(rs, deployment.metadata?.uid)).map((rs) => rs.metadata?.uid),
    );
    const own = new Set(labelled.filter((p) => (p.metadata?.ownerReferences ?? []).some((r) => r.kind === 'ReplicaSet' && r.controller && replicaSets.has(r.uid))));
    for (const pod of labelled) {
      const uid = pod.metadata?.uid ?? '';
      if (own.has(pod) || this.foreignPods.has(uid) || replicaSets.size === 0) continue;
      this.foreignPods.add(uid);
      this.events.forAppliance(
        { name, namespace },
        { reason: 'ForeignPodIgnored', type: 'Warning', message: `pod ${pod.metadata?.name} carries this appliance's labels but belongs to none of its ReplicaSets: it is never attested and never gets traffic` },
      );
    }
    return [...own];
  }

  /** The key binding the appliance's status recorded for this pod's current container, if any. */
  private recordedBinding(pod: V1Pod): KeyBinding | undefined {
    const k = ownerApplianceKey(pod);
    if (!k) return undefined;
    const [namespace, name] = k.split('/') as [string, string];
    const entry = this.appliances.get(name, namespace)?.status?.pods?.find((p) => p.name === pod.metadata?.name);
    const containerId = entropyContainer(pod)?.containerID;
    return entry?.attestationKey && entry.containerID && entry.containerID === containerId ? { containerId, key: entry.attestationKey } : undefined;
  }

  private podChanged(kind: ChangeKind, pod: V1Pod): void {
    const k = ownerApplianceKey(pod);
    if (!k) return;
    if (kind === 'delete') {
      this.attestor.forgetPod(pod.metadata?.uid ?? '');
      this.foreignPods.delete(pod.metadata?.uid ?? '');
    }
    else this.attestor.podChanged(k, pod);
    this.queue.add(k);
  }
}
