// Doing what keys-plan.ts decided: make a key with the core and write the Secret. A create never replaces
// an existing Secret (the API server answers 409), and a rotation patches only the Secret it read (its
// resourceVersion: a concurrent change makes it 409 and the reconcile starts again from fresh state), with
// the old keys kept as they were. The keys pass the same strict parse the pods apply before they are written.
import { PatchStrategy, setHeaderOptions, type CoreV1Api } from '@kubernetes/client-node';
import { applianceNames, ROTATED_FOR_ANNOTATION } from '../../api/v1alpha1/labels.js';
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { parseVrfKeyset, type VrfKeyMaterial, type VrfKeyset } from '../../contracts/vrf-keyset.js';
import type { VrfKeyMaker } from './keygen.js';
import type { VrfKeysAction } from './keys-plan.js';
import { keysetData, vrfKeysSecret } from './keys-secret.js';

/** What was written; or, when the core could not make a key, why (nothing was written then). */
export type VrfKeysOutcome = { ok: true; kind: VrfKeysAction['kind']; keyId: string; activeFrom: string } | { ok: false; keygenFailure: string };

function checked(keyset: VrfKeyset): VrfKeyset {
  const parsed = parseVrfKeyset(JSON.stringify(keyset));
  if (!parsed.ok) throw new Error(`the keyset made would not be accepted by the pods: ${parsed.reason}`);
  return keyset;
}

export async function writeVrfKeys(
  deps: { core: CoreV1Api; keyMaker: VrfKeyMaker },
  target: { appliance: EntropyAppliance; spec: Pick<ResolvedSpec, 'name' | 'namespace'> },
  action: VrfKeysAction,
  now: Date,
): Promise<VrfKeysOutcome> {
  const { namespace } = target.spec;
  let key: VrfKeyMaterial;
  try {
    key = await deps.keyMaker.make(now, new Date(action.activeFrom));
  } catch (error) {
    // A failing core is a state to report and retry later, not an API error to retry at once.
    return { ok: false, keygenFailure: (error as Error).message };
  }
  const written = { ok: true as const, kind: action.kind, keyId: key.key_id, activeFrom: key.active_from };
  if (action.kind === 'create') {
    const keyset = checked({ version: 1, keys: [key] });
    await deps.core.createNamespacedSecret({ namespace, body: vrfKeysSecret(target.appliance, target.spec, keyset, action.rotatedFor) });
    return written;
  }
  const keyset = checked({ version: 1, keys: [...action.keyset.keys, key] });
  await deps.core.patchNamespacedSecret(
    {
      name: applianceNames(target.spec.name).vrfKeysSecret,
      namespace,
      body: { metadata: { resourceVersion: action.resourceVersion, annotations: { [ROTATED_FOR_ANNOTATION]: action.rotatedFor } }, data: keysetData(keyset) },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return written;
}
