// One reconcile of one appliance, level-triggered and idempotent: observe (informer caches), decide
// (pure functions), act (server-side apply of the children, pod gates, status). Safe to run any number
// of times; a failure throws and the work queue retries it with backoff from fresh state.
import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type CustomObjectsApi,
  type KubernetesObject,
  type KubernetesObjectApi,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { APPLIANCE_LABEL, CORDONED_LABEL } from '../../cdk8s/entropy-workload.js';
import type { Attestor } from '../attestation/attestor.js';
import { gatePatch } from '../cordon/gate.js';
import { evict, evictionGraceMs } from '../cordon/eviction.js';
import type { EventRecorder } from '../cordon/events.js';
import type { Logger } from '../log.js';
import { desiredChildren, RENDERED_HASH_ANNOTATION, type OwnedObject } from './children.js';
import { API_VERSION, GROUP, KIND, PLURAL, resolveSpec, VERSION, type EntropyAppliance, type OperatorDefaults } from './spec.js';
import { nextStatus, type ObservedPod } from './status.js';

export const FIELD_MANAGER = 'r4-operator';
/** Even unchanged children are re-applied this often, which undoes drift made by others. */
const REAPPLY_AFTER_MS = 5 * 60_000;

export interface Caches {
  appliance(namespace: string, name: string): EntropyAppliance | undefined;
  child(kind: string, namespace: string, name: string): KubernetesObject | undefined;
  pods(namespace: string, applianceName: string): readonly V1Pod[];
}

export interface ReconcilerDeps {
  caches: Caches;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  attestor: Attestor;
  events: EventRecorder;
  defaults: OperatorDefaults;
  log: Logger;
}

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** JSON with sorted keys, so two equal statuses compare equal whatever order the API server keeps. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

export class Reconciler {
  private readonly lastApplied = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(applianceKey: string): Promise<void> {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    const appliance = this.deps.caches.appliance(namespace, name);
    if (!appliance || appliance.metadata.deletionTimestamp) {
      // Children go with their owner (garbage collection); only our own bookkeeping is left to drop.
      this.deps.attestor.unschedule(applianceKey);
      this.lastApplied.delete(applianceKey);
      return;
    }
    const spec = resolveSpec(appliance, this.deps.defaults);
    this.deps.attestor.schedule(applianceKey, spec.attestation.intervalSeconds);

    await this.applyChildren(applianceKey, desiredChildren(appliance, spec));

    const pods = this.deps.caches.pods(namespace, name).filter((p) => !p.metadata?.deletionTimestamp);
    const now = new Date();
    await Promise.all(pods.map((pod) => this.showVerdict(pod, now)));
    if (spec.attestation.evictCordoned) await this.evictOverdue(name, pods, evictionGraceMs(spec.attestation.intervalSeconds, spec.attestation.failureThreshold));

    const deployment = this.deps.caches.child('Deployment', namespace, name) as V1Deployment | undefined;
    const status = nextStatus({
      generation: appliance.metadata.generation ?? 0,
      expectedCoreSha256: spec.expectedCoreSha256,
      desiredReplicas: spec.replicas,
      pods: pods.map((pod) => this.observe(pod)),
      ...(deployment && {
        deployment: {
          generation: deployment.metadata?.generation ?? 0,
          observedGeneration: deployment.status?.observedGeneration ?? 0,
          updatedReplicas: deployment.status?.updatedReplicas ?? 0,
          replicas: deployment.status?.replicas ?? 0,
        },
      }),
      ...(appliance.status && { current: appliance.status }),
      now,
    });
    if (canonical(status) !== canonical(appliance.status ?? {})) {
      await this.deps.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status }, fieldManager: FIELD_MANAGER, force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    }
  }

  private async applyChildren(applianceKey: string, children: OwnedObject[]): Promise<void> {
    const stale = Date.now() - (this.lastApplied.get(applianceKey) ?? 0) > REAPPLY_AFTER_MS;
    const changed = children.filter((child) => {
      const live = this.deps.caches.child(child.kind, child.metadata.namespace ?? '', child.metadata.name);
      return stale || live?.metadata?.annotations?.[RENDERED_HASH_ANNOTATION] !== child.metadata.annotations[RENDERED_HASH_ANNOTATION];
    });
    for (const child of changed) {
      await this.deps.objects.patch(child as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      this.deps.log.debug('applied', { appliance: applianceKey, kind: child.kind, name: child.metadata.name });
    }
    if (stale || changed.length > 0) this.lastApplied.set(applianceKey, Date.now());
  }

  /** Makes the pod's gate condition and label say what its attestation says. */
  private async showVerdict(pod: V1Pod, now: Date): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const patch = gatePatch(pod, this.deps.attestor.record(pod).attestation, now);
    if (patch.condition) {
      await this.deps.core.patchNamespacedPodStatus(
        { name, namespace, body: { status: { conditions: [patch.condition] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    }
    if (patch.label !== undefined) {
      await this.deps.core.patchNamespacedPod(
        { name, namespace, body: { metadata: { labels: { [CORDONED_LABEL]: patch.label } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }
  }

  private async evictOverdue(applianceName: string, pods: readonly V1Pod[], graceMs: number): Promise<void> {
    const overdue = pods.find((pod) => {
      const since = this.deps.attestor.record(pod).cordonedSince;
      return since !== undefined && Date.now() - since > graceMs;
    });
    if (!overdue) return;
    const result = await evict(this.deps.core, overdue);
    const ref = { name: overdue.metadata?.name ?? '', namespace: overdue.metadata?.namespace ?? 'default', uid: overdue.metadata?.uid ?? '' };
    if (result === 'evicted') {
      this.deps.events.forPod(ref, applianceName, { reason: 'Evicted', type: 'Warning', message: `cordoned for more than ${Math.round(graceMs / 1000)} s; evicted so that it is replaced` });
    } else {
      this.deps.log.info('eviction deferred by the PodDisruptionBudget', { pod: ref.name, appliance: applianceName });
    }
  }

  private observe(pod: V1Pod): ObservedPod {
    const record = this.deps.attestor.record(pod);
    const containerStatus = pod.status?.containerStatuses?.[0];
    return {
      name: pod.metadata?.name ?? '',
      ...(pod.status?.podIP && { podIP: pod.status.podIP }),
      ...(containerStatus?.imageID && { imageID: containerStatus.imageID }),
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      attestation: record.attestation,
      ...(record.lastChecked && { lastChecked: record.lastChecked }),
    };
  }
}

/** The appliance a child or pod belongs to, by its label or its owner reference. */
export function ownerApplianceKey(object: KubernetesObject): string | undefined {
  const namespace = object.metadata?.namespace;
  if (!namespace) return undefined;
  const appliance = object.metadata?.labels?.[APPLIANCE_LABEL];
  if (appliance) return key(namespace, appliance);
  const owner = object.metadata?.ownerReferences?.find((o) => o.kind === KIND && o.apiVersion === API_VERSION);
  return owner ? key(namespace, owner.name) : undefined;
}
