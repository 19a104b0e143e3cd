// Names on objects that users, selectors and both programs rely on: labels, annotations and the pod
// condition the operator owns. Fixed here so every reader and writer spells them the same way.

/** The pod readiness gate the operator owns: True only while the pod's core is attested. */
export const ATTESTED_CONDITION = 'r4.dev/attested';
/** On every pod and child of an appliance: the appliance's name. */
export const APPLIANCE_LABEL = 'r4.dev/appliance';
/** On cordoned pods, for people and selectors: "true". */
export const CORDONED_LABEL = 'r4.dev/cordoned';
/** On the children: a hash of what was rendered, so an unchanged child is not re-applied. */
export const RENDERED_HASH_ANNOTATION = 'r4.dev/rendered-hash';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'r4-operator';
/** Selects everything the operator manages. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
/** The EndpointSlices the operator writes for an appliance's Service (only attested pods are in them). */
export const ENDPOINTSLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** On Secrets that hold an appliance's TLS certificate: "true". Only such Secrets (or cert-manager's) may be served from. */
export const TLS_SECRET_LABEL = 'r4.dev/tls';
/** On Secrets an appliance may take its API keys from: "true". Any other Secret is refused, so an appliance cannot mount one. */
export const API_KEYS_SECRET_LABEL = 'r4.dev/api-keys';
/** On Secrets cert-manager writes: the Certificate they belong to. Such a Secret may be served from. */
export const CERT_MANAGER_CERTIFICATE_ANNOTATION = 'cert-manager.io/certificate-name';
/** On an appliance: set it to any new value to have a new VRF key made (it takes over after a lead time; the old one stays listed, retired). */
export const ROTATE_VRF_KEYS_ANNOTATION = 'r4.dev/rotate-vrf-keys';
/** On the VRF keys Secret: the last value of r4.dev/rotate-vrf-keys the operator has acted on, so one value rotates once. */
export const ROTATED_FOR_ANNOTATION = 'r4.dev/rotated-for';
/** The label every namespace carries with its own name (NetworkPolicy selects namespaces by it). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The names an appliance's objects get, fixed so users and clients can rely on them. */
export const applianceNames = (applianceName: string) => ({
  /** The Deployment, Service, PodDisruptionBudget and NetworkPolicy. */
  workload: applianceName,
  endpointSlice: `${applianceName}-attested`,
  /** The certificate the operator issues when spec.tls.secretName is not given. */
  tlsSecret: `${applianceName}-tls`,
  /** The CA bundle for clients, key ca.crt. */
  caConfigMap: `${applianceName}-ca`,
  /** The VRF keyset (keyset.json) the operator makes with the core, mounted read-only into the pods. */
  vrfKeysSecret: `${applianceName}-vrf-keys`,
});
export const CA_BUNDLE_KEY = 'ca.crt';

/** The DNS names of an appliance's Service, the SANs of its certificate. */
export function serviceDnsNames(applianceName: string, namespace: string): string[] {
  const base = `${applianceName}.${namespace}`;
  return [`${base}.svc`, `${base}.svc.cluster.local`, base, applianceName];
}

/** Labels that never change for the life of an appliance, so they may sit in immutable selectors. */
export function selectorLabels(applianceName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'r4-entropy', [APPLIANCE_LABEL]: applianceName };
}

/** Every label of an appliance's children and pods. */
export function workloadLabels(applianceName: string): Record<string, string> {
  return {
    ...selectorLabels(applianceName),
    'app.kubernetes.io/instance': applianceName,
    'app.kubernetes.io/component': 'entropy-service',
    'app.kubernetes.io/part-of': 'r4',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}
