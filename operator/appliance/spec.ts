// The EntropyAppliance resource as TypeScript sees it (mirrors crds/r4.dev_entropyappliances.yaml), and
// the resolution of its optional fields against the operator's configured defaults.
import type { Condition } from './conditions.js';
import type { AttestationReason, Verdict } from '../attestation/verdict.js';

export const GROUP = 'r4.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'EntropyAppliance';
export const PLURAL = 'entropyappliances';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface ResourceQuantities {
  limits?: Record<string, string | number>;
  requests?: Record<string, string | number>;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface EntropyApplianceSpec {
  replicas?: number;
  image?: string;
  expectedCoreSha256?: string;
  strictFips?: boolean;
  apiKeySecretRef: { name: string; key?: string };
  limits?: { maxBytesPerRequest?: number; requestsPerSecond?: number; bytesPerSecond?: number };
  attestation?: { intervalSeconds?: number; timeoutSeconds?: number; failureThreshold?: number; evictCordoned?: boolean };
  service?: { port?: number; type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' };
  resources?: ResourceQuantities;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

export interface PodStatusEntry {
  name: string;
  podIP?: string;
  imageID?: string;
  integrity?: string;
  selftest?: string;
  mode?: string;
  coreSha256?: string;
  verdict: Verdict;
  reason?: AttestationReason | string;
  message?: string;
  lastChecked?: string;
  consecutiveFailures?: number;
}

export interface EntropyApplianceStatus {
  observedGeneration?: number;
  expectedCoreSha256?: string;
  replicas?: number;
  readyReplicas?: number;
  attestedReplicas?: number;
  cordonedReplicas?: number;
  conditions?: Condition[];
  pods?: PodStatusEntry[];
}

export interface EntropyAppliance {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number; deletionTimestamp?: string | Date; labels?: Record<string, string> };
  spec: EntropyApplianceSpec;
  status?: EntropyApplianceStatus;
}

/** What the operator was configured with (the chart sets these from the image it deploys). */
export interface OperatorDefaults {
  image: string;
  coreSha256: string;
}

/** Every field filled in: what the workload is built from. */
export interface ResolvedSpec {
  name: string;
  namespace: string;
  replicas: number;
  image: string;
  expectedCoreSha256: string;
  strictFips: boolean;
  apiKeySecret: { name: string; key: string };
  limits: { maxBytesPerRequest?: number; requestsPerSecond?: number; bytesPerSecond?: number };
  attestation: { intervalSeconds: number; timeoutSeconds: number; failureThreshold: number; evictCordoned: boolean };
  service: { port: number; type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' };
  resources: ResourceQuantities;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
}

/** Requests and limits for the entropy container when the spec gives none: small, and bounded. */
export const DEFAULT_RESOURCES: ResourceQuantities = {
  requests: { cpu: '100m', memory: '96Mi' },
  limits: { cpu: '1', memory: '256Mi' },
};

/**
 * Fills in what the API server's defaulting does not (the image and the hash come from the operator's
 * configuration); the CRD defaults are repeated so that a resource read from a file resolves the same.
 */
export function resolveSpec(appliance: EntropyAppliance, defaults: OperatorDefaults): ResolvedSpec {
  const s = appliance.spec;
  return {
    name: appliance.metadata.name,
    namespace: appliance.metadata.namespace ?? 'default',
    replicas: s.replicas ?? 2,
    image: s.image ?? defaults.image,
    expectedCoreSha256: s.expectedCoreSha256 ?? defaults.coreSha256,
    strictFips: s.strictFips ?? true,
    apiKeySecret: { name: s.apiKeySecretRef.name, key: s.apiKeySecretRef.key ?? 'api-keys' },
    limits: { ...s.limits },
    attestation: {
      intervalSeconds: s.attestation?.intervalSeconds ?? 10,
      timeoutSeconds: s.attestation?.timeoutSeconds ?? 2,
      failureThreshold: s.attestation?.failureThreshold ?? 3,
      evictCordoned: s.attestation?.evictCordoned ?? false,
    },
    service: { port: s.service?.port ?? 8080, type: s.service?.type ?? 'ClusterIP' },
    resources: s.resources ?? DEFAULT_RESOURCES,
    nodeSelector: s.nodeSelector ?? {},
    tolerations: s.tolerations ?? [],
  };
}
