// An appliance with every optional field filled in: what its workload is built from and attested against.
import { DEFAULT_RESOURCES, SPEC_DEFAULTS } from './defaults.js';
import { pinImage } from './image.js';
import { applianceNames } from './labels.js';
import type { ApplianceClient, EntropyAppliance, ResourceQuantities, ServiceType, Toleration } from './types.js';

/** What the operator was configured with (the chart sets these from the images it deploys). */
export interface OperatorDefaults {
  image: string;
  /** The digest of that image (sha256:…), which a spec.image without a digest runs too. */
  imageDigest: string;
  coreSha256: string;
}

export interface ResolvedSpec {
  name: string;
  namespace: string;
  replicas: number;
  /** The image reference with its digest: what the Deployment runs. */
  image: string;
  imageDigest: string;
  expectedCoreSha256: string;
  strictFips: boolean;
  apiKeySecret: { name: string; key: string };
  auth: { allowQueryKey: boolean };
  limits: { maxBytesPerRequest?: number; requestsPerSecond?: number; bytesPerSecond?: number };
  attestation: { intervalSeconds: number; timeoutSeconds: number; failureThreshold: number; evictCordoned: boolean };
  service: { port: number; type: ServiceType };
  /** secretName: the Secret the pods serve from (the user's, or the one the operator issues). */
  tls: { enabled: false } | { enabled: true; secretName: string; issuedByOperator: boolean };
  resources: ResourceQuantities;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  /** Who may connect besides the operator (NetworkPolicy peers). */
  clients: ApplianceClient[];
  /** genesis: RFC 3339 (UTC); undefined only for an appliance that has no creation time yet (read from a file). */
  vrf: { beacon: { periodSeconds: number; genesis?: string } };
}

/** spec.vrf.beacon.genesis, else the appliance's creation time, as an ISO 8601 UTC time. */
function beaconGenesis(appliance: EntropyAppliance): string | undefined {
  const given = appliance.spec.vrf?.beacon?.genesis ?? appliance.metadata.creationTimestamp;
  if (given === undefined) return undefined;
  const at = new Date(given);
  return Number.isFinite(at.getTime()) ? at.toISOString() : undefined;
}

/**
 * Fills in what the API server's defaulting does not (the image and the hash come from the operator's
 * configuration) and, for an appliance read from a file, what it would have.
 */
export function resolveSpec(appliance: EntropyAppliance, defaults: OperatorDefaults): ResolvedSpec {
  const s = appliance.spec;
  const D = SPEC_DEFAULTS;
  const pinned = pinImage(s.image ?? defaults.image, defaults.imageDigest);
  const tlsEnabled = s.tls?.enabled ?? D.tls.enabled;
  return {
    name: appliance.metadata.name,
    namespace: appliance.metadata.namespace ?? 'default',
    replicas: s.replicas ?? D.replicas,
    image: pinned.reference,
    imageDigest: pinned.digest,
    expectedCoreSha256: s.expectedCoreSha256 ?? defaults.coreSha256,
    strictFips: s.strictFips ?? D.strictFips,
    apiKeySecret: { name: s.apiKeySecretRef.name, key: s.apiKeySecretRef.key ?? D.apiKeySecretKey },
    auth: { allowQueryKey: s.auth?.allowQueryKey ?? D.auth.allowQueryKey },
    limits: { ...s.limits },
    attestation: {
      intervalSeconds: s.attestation?.intervalSeconds ?? D.attestation.intervalSeconds,
      timeoutSeconds: s.attestation?.timeoutSeconds ?? D.attestation.timeoutSeconds,
      failureThreshold: s.attestation?.failureThreshold ?? D.attestation.failureThreshold,
      evictCordoned: s.attestation?.evictCordoned ?? D.attestation.evictCordoned,
    },
    service: { port: s.service?.port ?? D.service.port, type: s.service?.type ?? D.service.type },
    tls: tlsEnabled
      ? { enabled: true, secretName: s.tls?.secretName ?? applianceNames(appliance.metadata.name).tlsSecret, issuedByOperator: s.tls?.secretName === undefined }
      : { enabled: false },
    resources: s.resources ?? structuredClone(DEFAULT_RESOURCES) as ResourceQuantities,
    nodeSelector: s.nodeSelector ?? {},
    tolerations: s.tolerations ?? [],
    clients: s.clients ?? [],
    vrf: {
      beacon: {
        periodSeconds: s.vrf?.beacon?.periodSeconds ?? D.vrf.beacon.periodSeconds,
        ...(beaconGenesis(appliance) !== undefined && { genesis: beaconGenesis(appliance) }),
      },
    },
  };
}
