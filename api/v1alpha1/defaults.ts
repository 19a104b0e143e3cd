// The values an appliance gets for what its spec leaves out. The CRD's `default:` keywords are generated
// from these (the API server fills them in), and resolveSpec applies the same ones to an appliance read
// from a file, so both paths agree.

export const SPEC_DEFAULTS = {
  replicas: 2,
  strictFips: true,
  apiKeySecretKey: 'api-keys',
  // Keys in URLs end up in access logs, shell histories and Referer headers: an appliance takes them from
  // the x-api-key header only, unless its owner says otherwise.
  auth: { allowQueryKey: false },
  attestation: { intervalSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, evictCordoned: false },
  service: { port: 8080, type: 'ClusterIP' },
  tls: { enabled: true },
  // 30 s between beacon rounds, as drand's default chain.
  vrf: { beacon: { periodSeconds: 30 } },
} as const;

/** Requests and limits of the entropy container when the spec gives none: small, and bounded. */
export const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '96Mi' },
  limits: { cpu: '1', memory: '256Mi' },
} as const;
