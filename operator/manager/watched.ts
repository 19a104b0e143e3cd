// What the operator watches, described once for every watcher (the leader's controller and every replica's
// dashboard): a resource's path in one namespace or all ('' = ALL_NAMESPACES), and its list call.
import type { CoreV1Api, CustomObjectsApi, KubernetesListObject, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/group.js';
import { APPLIANCE_LABEL } from '../../api/v1alpha1/labels.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { WatchedResource } from './informer.js';
import { slimPod, stripManagedFields } from './slim.js';

export type ApplianceObject = EntropyAppliance & KubernetesObject;

/** `/apis/<group>/<version>[/namespaces/<ns>]/<resource>`. */
export const scopedPath = (ns: string, group: string, resource: string) => `${group}${ns ? `/namespaces/${ns}` : ''}/${resource}`;

/** The client's list calls return untyped promises; the informer needs the list's type. */
export const asList = <T extends KubernetesObject>(p: Promise<unknown>) => p as Promise<KubernetesListObject<T>>;

export function appliancesResource(custom: CustomObjectsApi, ns: string, name: string = PLURAL): WatchedResource<ApplianceObject> {
  return {
    name,
    path: scopedPath(ns, `/apis/${GROUP}/${VERSION}`, PLURAL),
    transform: stripManagedFields,
    list: () =>
      asList(
        ns
          ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
          : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }),
      ),
  };
}

/** Pods that carry an appliance's label (whether an appliance owns them is decided later), slim, indexed by that label. */
export function appliancePodsResource(core: CoreV1Api, ns: string, name = 'pods'): WatchedResource<V1Pod> {
  return {
    name,
    path: scopedPath(ns, '/api/v1', 'pods'),
    labelSelector: APPLIANCE_LABEL,
    indexLabel: APPLIANCE_LABEL,
    transform: slimPod,
    list: () => asList(ns ? core.listNamespacedPod({ namespace: ns, labelSelector: APPLIANCE_LABEL }) : core.listPodForAllNamespaces({ labelSelector: APPLIANCE_LABEL })),
  };
}
