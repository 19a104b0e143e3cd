// The objects an appliance owns, ready to apply: the synthesized workload, the NetworkPolicy that admits
// only its clients, the EndpointSlice that lists its attested pods, the CA bundle for its clients and the certificate Secret the operator issues — each
// with an owner reference (so deleting the appliance garbage-collects them) and a hash of what was
// rendered (so an unchanged object is not re-applied on every reconcile).
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import {
  applianceNames,
  CA_BUNDLE_KEY,
  ENDPOINTSLICE_MANAGED_BY_LABEL,
  MANAGED_BY,
  NAMESPACE_NAME_LABEL,
  RENDERED_HASH_ANNOTATION,
  selectorLabels,
  SERVICE_NAME_LABEL,
  TLS_SECRET_LABEL,
  workloadLabels,
} from '../../api/v1alpha1/labels.js';
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { CONTAINER_PORT, servicePortName, synthesizeWorkload, type RenderedObject, type WorkloadOptions } from '../../cdk8s/entropy-workload.js';

export interface OwnedObject extends RenderedObject {
  metadata: RenderedObject['metadata'] & {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }[];
  };
}

/** The object with the appliance as its controlling owner and the hash of what was rendered. */
function owned(appliance: EntropyAppliance, spec: ResolvedSpec, object: RenderedObject): OwnedObject {
  const uid = appliance.metadata.uid;
  if (!uid) throw new Error(`appliance ${spec.namespace}/${spec.name} has no uid; its objects need an owner that exists`);
  const hash = createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 16);
  const metadata = object.metadata as RenderedObject['metadata'] & { labels?: Record<string, string>; annotations?: Record<string, string> };
  return {
    ...object,
    metadata: {
      ...metadata,
      namespace: spec.namespace,
      labels: { ...workloadLabels(spec.name), ...metadata.labels },
      annotations: { ...metadata.annotations, [RENDERED_HASH_ANNOTATION]: hash },
      ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: spec.name, uid, controller: true, blockOwnerDeletion: true }],
    },
  };
}

export function desiredChildren(appliance: EntropyAppliance, spec: ResolvedSpec, options: WorkloadOptions = {}): OwnedObject[] {
  return synthesizeWorkload(spec, options).map((object) => owned(appliance, spec, object));
}

/**
 * The Service's endpoints: the attested pods, and nothing else. The Service has no selector, so no other
 * controller adds a pod, and a pod that merely carries the appliance's labels never receives traffic.
 */
export function endpointSlice(appliance: EntropyAppliance, spec: ResolvedSpec, attested: readonly V1Pod[]): OwnedObject {
  const endpoints = [...attested]
    .filter((pod) => pod.status?.podIP)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((pod) => ({
      addresses: [pod.status?.podIP as string],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: spec.namespace, name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
      ...(pod.spec?.nodeName && { nodeName: pod.spec.nodeName }),
    }));
  return owned(appliance, spec, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: applianceNames(spec.name).endpointSlice,
      labels: { [SERVICE_NAME_LABEL]: spec.name, [ENDPOINTSLICE_MANAGED_BY_LABEL]: MANAGED_BY },
    } as RenderedObject['metadata'],
    addressType: 'IPv4',
    ports: [{ name: servicePortName(spec), port: CONTAINER_PORT, protocol: 'TCP' }],
    endpoints,
  });
}

/**
 * Who may connect to the entropy pods: the peers of spec.clients and the operator's namespace (it probes
 * every pod); nobody else, on no other port. Pods are selected by their immutable selector labels.
 */
export function networkPolicy(appliance: EntropyAppliance, spec: ResolvedSpec, operatorNamespace: string): OwnedObject {
  return owned(appliance, spec, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: applianceNames(spec.name).workload },
    spec: {
      podSelector: { matchLabels: selectorLabels(spec.name) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: operatorNamespace } } }, ...spec.clients.map((c) => structuredClone(c))],
          ports: [{ protocol: 'TCP', port: CONTAINER_PORT }],
        },
      ],
    },
  });
}

/** The CA certificate(s) clients verify the appliance's pods with: ConfigMap <name>-ca, key ca.crt. */
export function caBundle(appliance: EntropyAppliance, spec: ResolvedSpec, caPem: string): OwnedObject {
  return owned(appliance, spec, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: applianceNames(spec.name).caConfigMap },
    data: { [CA_BUNDLE_KEY]: caPem },
  });
}

/** The certificate Secret the operator issues (cert-manager's shape), from PEM texts. */
export function tlsSecret(appliance: EntropyAppliance, spec: ResolvedSpec, issued: { certPem: string; keyPem: string; caPem: string }): OwnedObject {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return owned(appliance, spec, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: applianceNames(spec.name).tlsSecret, labels: { [TLS_SECRET_LABEL]: 'true' } } as RenderedObject['metadata'],
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': base64(issued.certPem), 'tls.key': base64(issued.keyPem), [CA_BUNDLE_KEY]: base64(issued.caPem) },
  });
}
