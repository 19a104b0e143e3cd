// The Secret <name>-vrf-keys: the appliance's keyset (keyset.json), owned by the appliance like its other
// children (deleted with it), labelled as the operator's, and annotated with the rotation value it has
// acted on. Built here, written by keys-act.ts: created once, then only patched with a key appended.
import type { V1Secret } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import { applianceNames, ROTATED_FOR_ANNOTATION, workloadLabels } from '../../api/v1alpha1/labels.js';
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { VRF_KEYSET_FILE_NAME, type VrfKeyset } from '../../contracts/vrf-keyset.js';

export function keysetData(keyset: VrfKeyset): Record<string, string> {
  return { [VRF_KEYSET_FILE_NAME]: Buffer.from(JSON.stringify(keyset, null, 2)).toString('base64') };
}

export function vrfKeysSecret(appliance: EntropyAppliance, spec: Pick<ResolvedSpec, 'name' | 'namespace'>, keyset: VrfKeyset, rotatedFor?: string): V1Secret {
  const uid = appliance.metadata.uid;
  if (!uid) throw new Error(`appliance ${spec.namespace}/${spec.name} has no uid; its objects need an owner that exists`);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: applianceNames(spec.name).vrfKeysSecret,
      namespace: spec.namespace,
      labels: workloadLabels(spec.name),
      ...(rotatedFor !== undefined && { annotations: { [ROTATED_FOR_ANNOTATION]: rotatedFor } }),
      ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: spec.name, uid, controller: true, blockOwnerDeletion: true }],
    },
    type: 'Opaque',
    immutable: false,
    data: keysetData(keyset),
  };
}
