// One reconcile of one appliance, level-triggered and idempotent: observe (informer caches, the attestor's
// records, the Secrets the spec names, what is refused about it), plan (pure, plan.ts), act (act.ts). Safe
// to run any number of times; a failure throws and the work queue retries it with backoff from fresh state.
import { setHeaderOptions, type CoreV1Api, type KubernetesObject, type V1Deployment, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import {
  APPLIANCE_LABEL,
  applianceNames,
  CA_BUNDLE_KEY,
  RENDERED_HASH_ANNOTATION,
  ROTATE_VRF_KEYS_ANNOTATION,
  ROTATED_FOR_ANNOTATION,
  serviceDnsNames,
} from '../../api/v1alpha1/labels.js';
import { VRF_KEYSET_FILE_NAME } from '../../contracts/vrf-keyset.js';
import { resolveSpec, type OperatorDefaults, type ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { Attestor, PodTrust } from '../attestation/attestor.js';
import { act, type ActDeps } from './act.js';
import { conflictMessage, refusals, type ChildConflict, type Refusal } from './admission.js';
import { ownership, type Ownership } from './ownership.js';
import { plan, type Observed, type ObservedTls } from './plan.js';
import { applianceVersion, SecretCache, type SecretRead } from './secret-cache.js';
import type { ObservedVrfKeys, ObservedVrfSecret } from '../vrf/keys-plan.js';

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
  /** Repositories spec.image may name (admission.ts). */
  allowedImageRepositories: readonly string[];
  /** The operator's own namespace: its pods may reach the entropy pods. */
  operatorNamespace: string;
  renewalDue: RenewalCheck;
  /** Tells the attestor how to reach the appliance's pods, as this reconcile found it. */
  trustChanged(applianceKey: string, trust: PodTrust): void;
}

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

const decode = (secret: V1Secret | undefined, field: string) => {
  const value = secret?.data?.[field];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};

/** The API server's metadata-only form of an object. */
const PARTIAL_OBJECT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/**
 * How old a kept Secret may be. The operator's own (the issued certificate, the VRF keys) and the API keys'
 * metadata: longer than the resync, so a steady reconcile reads none; what the operator writes is dropped
 * at once, and any change to the appliance reads them again. A person's certificate Secret, whose CA the
 * probes trust: a minute, so a rotation is soon seen.
 * While the spec is refused every Secret is read afresh: a person is fixing it.
 */
const SECRET_MAX_AGE_MS = 5 * 60_000;
const USER_TLS_MAX_AGE_MS = 60_000;

/** How soon to look again after the last apply found a new conflict, or resolved one: the status says so at once. */
const CONFLICTS_CHANGED_MS = 500;

export class Reconciler {
  private readonly lastApplied = new Map<string, number>();
  /** Per appliance: the conflicts the last apply found (the next status reports them). */
  private readonly conflicts = new Map<string, ChildConflict[]>();
  /** Per appliance: the refusals already told in an Event, so each is told once. */
  private readonly toldRefusals = new Map<string, string>();
  /** Per appliance: the last VRF key generation that failed (cleared by one that succeeds). */
  private readonly keygenFailures = new Map<string, { message: string; at: number }>();
  /** Per appliance: the VRF keys problem already told in an Event. */
  private readonly toldVrfProblem = new Map<string, string>();
  private readonly secrets: SecretCache;

  constructor(private readonly deps: ReconcilerDeps) {
    this.secrets = new SecretCache((namespace, name, metadataOnly) => this.readSecret(namespace, name, metadataOnly), SECRET_MAX_AGE_MS);
  }

  /** Reconciles one appliance; resolves to how soon it wants to run again (ms), or undefined when it is gone. */
  async reconcile(applianceKey: string): Promise<{ requeueAfter?: number }> {
    const [namespace, name] = applianceKey.split('/') as [string, string];
    const appliance = this.deps.caches.appliance(namespace, name);
    // Children go with their owner (garbage collection): nothing to do for a deleted appliance.
    if (!appliance || appliance.metadata.deletionTimestamp) return {};

    const spec = resolveSpec(appliance, this.deps.defaults);
    const now = Date.now();
    const uid = appliance.metadata.uid;
    const refusedBefore = (this.toldRefusals.get(applianceKey) ?? '') !== '';
    const fresh = { maxAgeMs: refusedBefore ? 0 : SECRET_MAX_AGE_MS, appliance: applianceKey, applianceVersion: applianceVersion(appliance.metadata) };
    const apiKeys = await this.secrets.get(namespace, spec.apiKeySecret.name, { metadataOnly: true, ...fresh });
    const tlsSecret = spec.tls.enabled
      ? await this.secrets.get(namespace, spec.tls.secretName, spec.tls.issuedByOperator ? fresh : { ...fresh, maxAgeMs: Math.min(fresh.maxAgeMs, USER_TLS_MAX_AGE_MS) })
      : undefined;
    const tlsOwnership = ownership(tlsSecret, uid);
    const refused = refusals({
      ...(appliance.spec.image !== undefined && { image: appliance.spec.image }),
      allowedRepositories: this.deps.allowedImageRepositories,
      apiKeys: { name: spec.apiKeySecret.name, secret: apiKeys?.metadata },
      ...(spec.tls.enabled &&
        (spec.tls.issuedByOperator
          ? { tls: { issued: { name: spec.tls.secretName, ownership: tlsOwnership } } }
          : { tls: { user: { name: spec.tls.secretName, secret: tlsSecret?.metadata } } })),
    });
    this.tellRefusals(applianceKey, refused);
    const tls = this.observeTls(spec, tlsSecret, tlsOwnership, new Date(now));
    this.deps.trustChanged(applianceKey, trustFor(spec, tls));
    const pods = this.deps.caches.pods(namespace, name).filter((p) => !p.metadata?.deletionTimestamp);
    // Only this appliance's own objects count: one of another's (even labelled as the operator's) is never taken for it.
    const ownChild = (kind: string, childName: string) => {
      const child = this.deps.caches.child(kind, namespace, childName);
      return ownership(child, uid) === 'owned' ? child : undefined;
    };
    const deployment = ownChild('Deployment', name) as V1Deployment | undefined;
    const previousConflicts = this.conflicts.get(applianceKey) ?? [];
    const vrfKeys = await this.observeVrfKeys(appliance, spec, applianceKey, fresh);
    const observed: Observed = {
      appliance,
      spec,
      liveChildHash: (kind, childName) => ownChild(kind, childName)?.metadata?.annotations?.[RENDERED_HASH_ANNOTATION],
      lastAppliedAt: this.lastApplied.get(applianceKey),
      pods,
      tls,
      operatorNamespace: this.deps.operatorNamespace,
      refusals: refused,
      conflicts: previousConflicts,
      vrfKeys,
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
    const planned = plan(observed, attestations, now);
    this.tellVrfProblem(applianceKey, planned.vrfProblem);
    let result: Awaited<ReturnType<typeof act>>;
    try {
      result = await act(this.deps, { appliance, spec }, planned);
    } finally {
      // What this reconcile wrote (or may have written, if it failed half way) is read afresh next time.
      if (planned.certificate && spec.tls.enabled) this.secrets.invalidate(namespace, spec.tls.secretName);
      if (planned.vrfKeys) this.secrets.invalidate(namespace, vrfKeys.secretName);
    }
    if (result.applied) this.lastApplied.set(applianceKey, now);
    // Keys written: the next reconcile reads them back and publishes them in status.vrf, at once.
    let vrfRequeue = Infinity;
    if (result.vrfKeys?.ok) {
      this.keygenFailures.delete(applianceKey);
      vrfRequeue = 0;
    } else if (result.vrfKeys) {
      this.keygenFailures.set(applianceKey, { message: result.vrfKeys.keygenFailure, at: now });
      this.deps.log.warn('VRF key generation failed', { appliance: applianceKey, error: result.vrfKeys.keygenFailure });
      vrfRequeue = 0;
    }
    const same = (a: ChildConflict, b: ChildConflict) => a.kind === b.kind && a.name === b.name;
    for (const conflict of result.conflicts.filter((c) => !previousConflicts.some((p) => same(p, c)))) {
      this.deps.events.forAppliance({ name, namespace }, { reason: 'ChildConflict', type: 'Warning', message: conflictMessage(conflict) });
    }
    const changed = result.conflicts.length !== previousConflicts.length || result.conflicts.some((c) => !previousConflicts.some((p) => same(p, c)));
    this.conflicts.set(applianceKey, result.conflicts);
    return { requeueAfter: Math.min(changed ? Math.min(result.requeueAfter, CONFLICTS_CHANGED_MS) : result.requeueAfter, vrfRequeue) };
  }

  /** Drops what is kept about a deleted appliance. */
  forget(applianceKey: string): void {
    this.lastApplied.delete(applianceKey);
    this.conflicts.delete(applianceKey);
    this.toldRefusals.delete(applianceKey);
    this.keygenFailures.delete(applianceKey);
    this.toldVrfProblem.delete(applianceKey);
  }

  /**
   * The VRF keys Secret, read whole (the operator appends to the keyset it holds; it never logs it), the
   * rotation the appliance asks for, and the last failed keygen.
   */
  private async observeVrfKeys(appliance: EntropyAppliance, spec: ResolvedSpec, applianceKey: string, fresh: SecretRead): Promise<ObservedVrfKeys> {
    const secretName = applianceNames(spec.name).vrfKeysSecret;
    const secret = await this.secrets.get(spec.namespace, secretName, fresh);
    const kind = ownership(secret, appliance.metadata.uid);
    const observed: ObservedVrfSecret =
      kind === 'owned'
        ? {
            kind,
            keysetText: decode(secret, VRF_KEYSET_FILE_NAME),
            rotatedFor: secret?.metadata?.annotations?.[ROTATED_FOR_ANNOTATION],
            resourceVersion: secret?.metadata?.resourceVersion ?? '',
          }
        : { kind };
    const failure = this.keygenFailures.get(applianceKey);
    return { secretName, secret: observed, rotateRequest: appliance.metadata.annotations?.[ROTATE_VRF_KEYS_ANNOTATION], ...(failure && { keygenFailure: failure }) };
  }

  /** An Event when the VRF keys' problem first shows or changes (the Degraded condition keeps saying it). */
  private tellVrfProblem(applianceKey: string, problem: { reason: string; message: string } | undefined): void {
    const told = problem ? `${problem.reason}: ${problem.message}` : '';
    if (told === (this.toldVrfProblem.get(applianceKey) ?? '')) return;
    this.toldVrfProblem.set(applianceKey, told);
    if (!problem) return;
    const [namespace, name] = applianceKey.split('/') as [string, string];
    this.deps.events.forAppliance({ name, namespace }, { reason: problem.reason, type: 'Warning', message: problem.message });
  }

  /** An Event for each new set of refusals (the Degraded condition keeps saying it while it lasts). */
  private tellRefusals(applianceKey: string, refused: readonly Refusal[]): void {
    const told = refused.map((r) => `${r.reason}: ${r.message}`).join('\n');
    if (told === (this.toldRefusals.get(applianceKey) ?? '')) return;
    this.toldRefusals.set(applianceKey, told);
    const [namespace, name] = applianceKey.split('/') as [string, string];
    for (const refusal of refused) this.deps.events.forAppliance({ name, namespace }, { reason: refusal.reason, type: 'Warning', message: refusal.message });
  }

  /**
   * The certificate Secret the pods serve from: the operator's (renewed when due; never one of the same name
   * that is not this appliance's) or the user's.
   */
  private observeTls(spec: ResolvedSpec, secret: V1Secret | undefined, secretOwnership: Ownership, now: Date): ObservedTls {
    if (!spec.tls.enabled) return { kind: 'off' };
    if (!spec.tls.issuedByOperator) {
      const caPem = decode(secret, CA_BUNDLE_KEY);
      return { kind: 'user', secretName: spec.tls.secretName, found: secret !== undefined, ...(caPem && { caPem }) };
    }
    if (secretOwnership === 'foreign') return { kind: 'issued', caPem: this.deps.issuer.caPem() };
    const certPem = decode(secret, 'tls.crt');
    const renewal = certPem === undefined ? 'no certificate yet' : this.deps.renewalDue(certPem, serviceDnsNames(spec.name, spec.namespace), now);
    return { kind: 'issued', caPem: this.deps.issuer.caPem(), ...(renewal && { renewal }) };
  }

  /** metadataOnly: the labels and annotations only (the API server sends no data): the operator never holds the API keys. */
  private async readSecret(namespace: string, name: string, metadataOnly: boolean): Promise<V1Secret | undefined> {
    try {
      return await this.deps.core.readNamespacedSecret({ name, namespace }, metadataOnly ? setHeaderOptions('Accept', PARTIAL_OBJECT_METADATA) : undefined);
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
