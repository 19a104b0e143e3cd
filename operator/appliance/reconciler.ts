// One reconcile of one appliance, level-triggered and idempotent: observe (informer caches, the attestor's
// records, the certificate Secret), plan (pure, plan.ts), act (act.ts). Safe to run any number of times;
// a failure throws and the work queue retries it with backoff from fresh state.
import type { CoreV1Api, KubernetesObject, V1Deployment, V1Pod, V1Secret } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import { APPLIANCE_LABEL, CA_BUNDLE_KEY, RENDERED_HASH_ANNOTATION, serviceDnsNames } from '../../api/v1alpha1/labels.js';
import { resolveSpec, type OperatorDefaults, type ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { Attestor, PodTrust } from '../attestation/attestor.js';
import { act, type ActDeps } from './act.js';
import { plan, type Observed, type ObservedTls } from './plan.js';

export interface Caches {
  appliance(namespace: string, name: string): EntropyAppliance | undefined;
  child(kind: string, namespace: string, name: string): KubernetesObject | undefined;
  /** The appliance's own pods: those of the ReplicaSets its Deployment owns. */
  pods(namespace: string, applianceName: string): readonly V1Pod[];
}

/** Whether a certificate needs renewing, and why (undefined: it is good). */
export type RenewalCheck = (certPem: string, dnsNames: string[], now: Date) => string | undefined;

export interface ReconcilerDeps extends ActDeps {
  caches: Caches;
  core: CoreV1Api;
  attestor: Attestor;
  defaults: OperatorDefaults;
  renewalDue: RenewalCheck;
  /** Tells the attestor how to reach the appliance's pods, as this reconcile found it. */
  trustChanged(applianceKey: string, trust: PodTrust): void;
}

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

const decode = (secret: V1Secret | undefined, field: string) => {
  const value = secret?.data?.[field];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};

export class Reconciler {
  private readonly lastApplied = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Reconciles one appliance; resolves to how soon it wants to run again (ms), or undefined when it is gone. */
  async reconcile(applianceKey: string): Promise<{ requeueAfter?: number }> {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    const appliance = this.deps.caches.appliance(namespace, name);
    // Children go with their owner (garbage collection): nothing to do for a deleted appliance.
    if (!appliance || appliance.metadata.deletionTimestamp) return {};

    const spec = resolveSpec(appliance, this.deps.defaults);
    const now = Date.now();
    const tls = await this.observeTls(spec, new Date(now));
    this.deps.trustChanged(applianceKey, trustFor(spec, tls));
    const pods = this.deps.caches.pods(namespace, name).filter((p) => !p.metadata?.deletionTimestamp);
    const deployment = this.deps.caches.child('Deployment', namespace, name) as V1Deployment | undefined;
    const observed: Observed = {
      appliance,
      spec,
      liveChildHash: (kind, childName) => this.deps.caches.child(kind, namespace, childName)?.metadata?.annotations?.[RENDERED_HASH_ANNOTATION],
      lastAppliedAt: this.lastApplied.get(applianceKey),
      pods,
      tls,
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
    const result = await act(this.deps, { appliance, spec }, plan(observed, attestations, now));
    if (result.applied) this.lastApplied.set(applianceKey, now);
    return { requeueAfter: result.requeueAfter };
  }

  /** Drops what is kept about a deleted appliance. */
  forget(applianceKey: string): void {
    this.lastApplied.delete(applianceKey);
  }

  /** The certificate Secret the pods serve from: the operator's (renewed when due) or the user's. */
  private async observeTls(spec: ResolvedSpec, now: Date): Promise<ObservedTls> {
    if (!spec.tls.enabled) return { kind: 'off' };
    const secret = await this.readSecret(spec.namespace, spec.tls.secretName);
    if (!spec.tls.issuedByOperator) {
      const caPem = decode(secret, CA_BUNDLE_KEY);
      return { kind: 'user', secretName: spec.tls.secretName, found: secret !== undefined, ...(caPem && { caPem }) };
    }
    const certPem = decode(secret, 'tls.crt');
    const renewal = certPem === undefined ? 'no certificate yet' : this.deps.renewalDue(certPem, serviceDnsNames(spec.name, spec.namespace), now);
    return { kind: 'issued', caPem: this.deps.issuer.caPem(), ...(renewal && { renewal }) };
  }

  private async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.deps.core.readNamespacedSecret({ name, namespace });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }
}

/** The name a pod's certificate must carry, and the CA it must chain to (undefined: the system's roots). */
function trustFor(spec: ResolvedSpec, tls: ObservedTls): PodTrust {
  if (tls.kind === 'off') return { tls: false };
  const [servername] = serviceDnsNames(spec.name, spec.namespace) as [string];
  return { tls: true, servername, ...(tls.caPem !== undefined && { ca: tls.caPem }) };
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
