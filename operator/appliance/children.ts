// The objects an appliance owns, ready to apply: the synthesized workload plus owner references (so
// deleting the appliance garbage-collects them) and a hash of what was rendered (so an unchanged
// appliance is not re-applied on every reconcile).
import { createHash } from 'node:crypto';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import { RENDERED_HASH_ANNOTATION } from '../../api/v1alpha1/labels.js';
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { synthesizeWorkload, type RenderedObject } from '../../cdk8s/entropy-workload.js';

export interface OwnedObject extends RenderedObject {
  metadata: RenderedObject['metadata'] & {
    annotations: Record<string, string>;
    ownerReferences: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }[];
  };
}

export function desiredChildren(appliance: EntropyAppliance, spec: ResolvedSpec): OwnedObject[] {
  const uid = appliance.metadata.uid;
  if (!uid) throw new Error(`appliance ${spec.namespace}/${spec.name} has no uid; children need an owner that exists`);
  return synthesizeWorkload(spec).map((object) => {
    const hash = createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 16);
    const metadata = object.metadata as RenderedObject['metadata'] & { annotations?: Record<string, string> };
    return {
      ...object,
      metadata: {
        ...metadata,
        annotations: { ...metadata.annotations, [RENDERED_HASH_ANNOTATION]: hash },
        ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: spec.name, uid, controller: true, blockOwnerDeletion: true }],
      },
    };
  });
}
