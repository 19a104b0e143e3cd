// What the caches keep of each object: pure transforms applied by the reflector to every listed item and
// watched object, so 1,000 pods and their ReplicaSets fit well under the operator's memory limit. Every
// object loses metadata.managedFields (a fifth or more of its bytes, and never read: the API server
// resolves field ownership itself). Pods and ReplicaSets keep only the fields the operator and the
// dashboard read (slim.test.ts lists each reader and the field); children the operator renders keep
// their spec, which a drift check compares with what it would render.
import type { KubernetesObject, V1ObjectMeta, V1Pod, V1PodSpec, V1PodStatus, V1ReplicaSet } from '@kubernetes/client-node';

type WithMetadata = KubernetesObject & { metadata?: V1ObjectMeta };

function withoutManagedFields(metadata: V1ObjectMeta | undefined): V1ObjectMeta | undefined {
  if (!metadata || metadata.managedFields === undefined) return metadata;
  const { managedFields: _dropped, ...rest } = metadata;
  return rest;
}

/** The object as it was, without metadata.managedFields. */
export function stripManagedFields<T extends WithMetadata>(object: T): T {
  if (object.metadata?.managedFields === undefined) return object;
  return { ...object, metadata: withoutManagedFields(object.metadata) };
}

/** Identity, labels, owners and deletion: all any cache's reader asks of an object's metadata. */
function slimMetadata(metadata: V1ObjectMeta | undefined): V1ObjectMeta {
  const m = metadata ?? {};
  return {
    ...(m.name !== undefined && { name: m.name }),
    ...(m.namespace !== undefined && { namespace: m.namespace }),
    ...(m.uid !== undefined && { uid: m.uid }),
    ...(m.resourceVersion !== undefined && { resourceVersion: m.resourceVersion }),
    ...(m.generation !== undefined && { generation: m.generation }),
    ...(m.labels !== undefined && { labels: m.labels }),
    ...(m.ownerReferences !== undefined && { ownerReferences: m.ownerReferences }),
    ...(m.deletionTimestamp !== undefined && { deletionTimestamp: m.deletionTimestamp }),
  };
}

function slimPodStatus(status: V1PodStatus | undefined): V1PodStatus | undefined {
  if (!status) return undefined;
  return {
    ...(status.phase !== undefined && { phase: status.phase }),
    ...(status.podIP !== undefined && { podIP: status.podIP }),
    ...(status.conditions !== undefined && { conditions: status.conditions }),
    ...(status.containerStatuses !== undefined && {
      // The V1ContainerStatus type requires image and restartCount: kept, both are short.
      containerStatuses: status.containerStatuses.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: c.imageID,
        ready: c.ready,
        restartCount: c.restartCount,
        ...(c.containerID !== undefined && { containerID: c.containerID }),
      })),
    }),
  };
}

/** A pod as the attestor, the planner, the gate and the dashboard read it (no spec but its node, no volumes, no container states). */
export function slimPod(pod: V1Pod): V1Pod {
  return {
    ...(pod.apiVersion !== undefined && { apiVersion: pod.apiVersion }),
    ...(pod.kind !== undefined && { kind: pod.kind }),
    metadata: slimMetadata(pod.metadata),
    // The type requires containers; no reader of the cache asks for them.
    ...(pod.spec?.nodeName !== undefined && { spec: { nodeName: pod.spec.nodeName } as V1PodSpec }),
    ...(pod.status !== undefined && { status: slimPodStatus(pod.status) }),
  };
}

/** A ReplicaSet is only asked whom it belongs to (its Deployment) and who belongs to it (its pods, by uid). */
export function slimReplicaSet(replicaSet: V1ReplicaSet): V1ReplicaSet {
  return {
    ...(replicaSet.apiVersion !== undefined && { apiVersion: replicaSet.apiVersion }),
    ...(replicaSet.kind !== undefined && { kind: replicaSet.kind }),
    metadata: slimMetadata(replicaSet.metadata),
  };
}
