// One reconcile of one appliance, level-triggered and idempotent: observe (informer caches and the
// attestor's records), plan (pure, plan.ts), act (act.ts). Safe to run any number of times; a failure
// throws and the work queue retries it with backoff from fresh state.
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import { APPLIANCE_LABEL, RENDERED_HASH_ANNOTATION } from '../../api/v1alpha1/labels.js';
import { resolveSpec, type OperatorDefaults } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { Attestor } from '../attestation/attestor.js';
import { act, type ActDeps } from './act.js';
import { plan, type Observed } from './plan.js';

export interface Caches {
  appliance(namespace: string, name: string): EntropyAppliance | undefined;
  child(kind: string, namespace: string, name: string): KubernetesObject | undefined;
  pods(namespace: string, applianceName: string): readonly V1Pod[];
}

export interface ReconcilerDeps extends ActDeps {
  caches: Caches;
  attestor: Attestor;
  defaults: OperatorDefaults;
}

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

export class Reconciler {
  private readonly lastApplied = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Reconciles one appliance; resolves to how soon it wants to run again (ms), or undefined when it is gone. */
  async reconcile(applianceKey: string): Promise<{ requeueAfter?: number }> {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    const appliance = this.deps.caches.appliance(namespace, name);
    // Children go with their owner (garbage collection): nothing to do for a deleted appliance.
    if (!appliance || appliance.metadata.deletionTimestamp) return {};

    const pods = this.deps.caches.pods(namespace, name).filter((p) => !p.metadata?.deletionTimestamp);
    const deployment = this.deps.caches.child('Deployment', namespace, name) as V1Deployment | undefined;
    const observed: Observed = {
      appliance,
      spec: resolveSpec(appliance, this.deps.defaults),
      liveChildHash: (kind, childName) => this.deps.caches.child(kind, namespace, childName)?.metadata?.annotations?.[RENDERED_HASH_ANNOTATION],
      lastAppliedAt: this.lastApplied.get(applianceKey),
      pods,
      ...(deployment && {
        deployment: {
          generation: deployment.metadata?.generation ?? 0,
          observedGeneration: deployment.status?.observedGeneration ?? 0,
          updatedReplicas: deployment.status?.updatedReplicas ?? 0,
          replicas: deployment.status?.replicas ?? 0,
        },
      }),
    };
    const attestations = new Map(pods.map((pod) => [pod.metadata?.uid ?? '', this.deps.attestor.record(pod)]));
    const now = Date.now();
    const result = await act(this.deps, { namespace, name }, plan(observed, attestations, now));
    if (result.applied) this.lastApplied.set(applianceKey, now);
    return { requeueAfter: result.requeueAfter };
  }

  /** Drops what is kept about a deleted appliance. */
  forget(applianceKey: string): void {
    this.lastApplied.delete(applianceKey);
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
