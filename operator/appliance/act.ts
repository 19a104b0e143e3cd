// The doing half of a reconcile: performs a Plan against the API server, in the order that keeps traffic
// safe — the certificate first (pods mount it), the gates of pods attested, the EndpointSlice (so a pod is
// shown attested before it is listed), the gates and labels of pods cordoned (so a pod leaves the slice
// before its gate closes), then the other children, an eviction, the status. A child is
// applied only over nothing or over its own earlier self, never over another's object of its name. Any failed
// call throws, and the work queue retries the whole reconcile from fresh state.
import {
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type CustomObjectsApi,
  type KubernetesObject,
  type KubernetesObjectApi,
} from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../api/v1alpha1/group.js';
import { CORDONED_LABEL, MANAGED_BY, serviceDnsNames } from '../../api/v1alpha1/labels.js';
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { evict } from '../cordon/eviction.js';
import type { EventRecorder } from '../cordon/events.js';
import type { Logger } from '../log.js';
import type { VrfKeyMaker } from '../vrf/keygen.js';
import { writeVrfKeys, type VrfKeysOutcome } from '../vrf/keys-act.js';
import type { ChildConflict } from './admission.js';
import { tlsSecret, type OwnedObject } from './children.js';
import { ownership } from './ownership.js';
import { EVICTION_SPACING_MS, type Plan, type PodPatch } from './plan.js';

/** The operator's name in managedFields. */
export const FIELD_MANAGER = MANAGED_BY;

/** Issues server certificates from the operator's CA. */
export interface CertificateIssuer {
  caPem(): string;
  issue(dnsNames: string[], now: Date): Promise<{ certPem: string; keyPem: string }>;
}

export interface ActDeps {
  objects: KubernetesObjectApi;
  issuer: CertificateIssuer;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  events: EventRecorder;
  log: Logger;
  /** Makes VRF keys with the operator's core. */
  vrfKeyMaker: VrfKeyMaker;
  /** A child as the informer caches hold it (the operator's labelled objects of watched kinds); undefined: not there. */
  cachedChild(kind: string, namespace: string, name: string): KubernetesObject | undefined;
}

export interface ActResult {
  /** Whether the children were applied (the reconciler remembers when). */
  applied: boolean;
  requeueAfter: number;
  /** Children not applied because an object of their name is not this appliance's. */
  conflicts: ChildConflict[];
  /** What became of the plan's VRF keys action, if it had one. */
  vrfKeys?: VrfKeysOutcome;
}

export async function act(deps: ActDeps, target: { appliance: EntropyAppliance; spec: ResolvedSpec }, plan: Plan): Promise<ActResult> {
  const { namespace, name } = target.spec;
  const conflicts: ChildConflict[] = [];
  const applyOwned = async (child: OwnedObject): Promise<boolean> => {
    const conflict = await applyIfOwned(deps, child, target.appliance.metadata.uid);
    if (conflict) conflicts.push(conflict);
    return conflict === undefined;
  };
  if (plan.certificate) {
    const dnsNames = serviceDnsNames(name, namespace);
    const issued = await deps.issuer.issue(dnsNames, new Date());
    const secret = tlsSecret(target.appliance, target.spec, { ...issued, caPem: deps.issuer.caPem() });
    if (await applyOwned(secret)) {
      deps.events.forAppliance({ name, namespace }, { reason: 'CertificateIssued', type: 'Normal', message: `issued a certificate for ${dnsNames.join(', ')}: ${plan.certificate.reason}` });
    }
  }
  // A pod gains its gate before the EndpointSlice lists it, and leaves the slice before its gate turns
  // False: either way it is never listed while its gate says otherwise. The demotions run even when the
  // slice cannot be written, so the gate (which the Service's own slices follow) still closes.
  const demoted = (patch: PodPatch) => patch.condition?.status === 'False' || patch.label === 'true';
  await patchPods(deps, plan.podPatches.filter((patch) => !demoted(patch)));
  let vrfKeys: VrfKeysOutcome | undefined;
  let apply = plan.apply;
  const slices = apply.filter((child) => child.kind === 'EndpointSlice');
  try {
    for (const slice of slices) await applyOwned(slice);
  } finally {
    await patchPods(deps, plan.podPatches.filter(demoted));
  }
  apply = apply.filter((child) => child.kind !== 'EndpointSlice');
  if (plan.vrfKeys) {
    vrfKeys = await writeVrfKeys({ core: deps.core, keyMaker: deps.vrfKeyMaker }, target, plan.vrfKeys, new Date());
    if (vrfKeys.ok) {
      const message =
        vrfKeys.kind === 'create'
          ? `made VRF key ${vrfKeys.keyId} with the core, active now`
          : `made VRF key ${vrfKeys.keyId} with the core for rotation "${plan.vrfKeys.kind === 'rotate' ? plan.vrfKeys.rotatedFor : ''}"; it takes over at ${vrfKeys.activeFrom}, the current key then retires`;
      deps.events.forAppliance({ name, namespace }, { reason: vrfKeys.kind === 'create' ? 'VrfKeysCreated' : 'VrfKeysRotated', type: 'Normal', message });
    } else if (plan.vrfKeys.kind === 'create') {
      // The Deployment was rendered to mount the Secret that could not be made: it waits for the next reconcile.
      apply = apply.filter((child) => child.kind !== 'Deployment');
    }
  }
  for (const child of apply) {
    if (await applyOwned(child)) deps.log.debug('applied', { appliance: `${namespace}/${name}`, kind: child.kind, name: child.metadata.name });
  }

  let requeueAfter = plan.requeueAfter;
  for (const { pod, cordonedForMs } of plan.evictions) {
    if ((await evict(deps.core, pod)) === 'evicted') {
      const message = `cordoned for ${Math.round(cordonedForMs / 1000)} s; evicted so that it is replaced`;
      deps.events.forPod(pod, name, { reason: 'Evicted', type: 'Warning', message });
    } else {
      deps.log.info('eviction deferred by the PodDisruptionBudget', { pod: pod.name, appliance: name });
      requeueAfter = Math.min(requeueAfter, EVICTION_SPACING_MS);
    }
  }

  if (plan.status) {
    await deps.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status: plan.status }, fieldManager: FIELD_MANAGER, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }
  return { applied: apply.length + slices.length > 0 && apply.length + slices.length === plan.apply.length, requeueAfter, conflicts, ...(vrfKeys && { vrfKeys }) };
}

async function patchPods(deps: ActDeps, patches: readonly PodPatch[]): Promise<void> {
  await Promise.all(
    patches.map(async ({ pod, condition, label }) => {
      if (condition) {
        await deps.core.patchNamespacedPodStatus(
          { name: pod.name, namespace: pod.namespace, body: { status: { conditions: [condition] } } },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        );
      }
      if (label !== undefined) {
        await deps.core.patchNamespacedPod(
          { name: pod.name, namespace: pod.namespace, body: { metadata: { labels: { [CORDONED_LABEL]: label } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
    }),
  );
}

/**
 * Applies a child (server-side, forced: the operator's rendering wins over edits) only when the object of
 * its name is absent or already this appliance's. Another's object is left alone and reported: forcing
 * would take it over, and the owner reference would have it deleted with the appliance. Whose it is comes
 * from the informer cache when the object is there (no GET at steady state); an object the cache does not
 * hold (not labelled as the operator's, or of a kind not watched: the TLS Secret) is read.
 */
async function applyIfOwned(deps: ActDeps, child: OwnedObject, applianceUid: string | undefined): Promise<ChildConflict | undefined> {
  const { apiVersion, kind, metadata } = child;
  const namespace = metadata.namespace as string;
  let live = deps.cachedChild(kind, namespace, metadata.name);
  if (!live) {
    try {
      live = await deps.objects.read({ apiVersion, kind, metadata: { name: metadata.name, namespace } });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }
  if (ownership(live, applianceUid) === 'foreign') return { kind, name: metadata.name };
  // The client serializes by its model, whose names differ from the API's in places (a NetworkPolicy's
  // `from` is `_from`): read the plain object into the model first, or such a field is silently dropped.
  const body = loadYaml<KubernetesObject>(JSON.stringify(child));
  await deps.objects.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  return undefined;
}
