// The operator's permissions: exactly the verbs its code uses. The one source of
// deploy/operator/rbac.yaml and of the chart's rules (charts/r4/templates/_operator-rules.tpl), which
// `npm run generate` writes; a test fails when either is stale.

export interface PolicyRule {
  /** Why the operator needs it (a comment in the generated YAML). */
  why: string;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Cluster-wide (a ClusterRole), or bound in the watched namespace only. */
export const OPERATOR_RULES: PolicyRule[] = [
  { why: 'watch appliances', apiGroups: ['r4.dev'], resources: ['entropyappliances'], verbs: ['get', 'list', 'watch'] },
  { why: 'write their status', apiGroups: ['r4.dev'], resources: ['entropyappliances/status'], verbs: ['get', 'patch', 'update'] },
  { why: 'the children, applied server-side (apply may create)', apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'the children', apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'the children', apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: "an appliance's ReplicaSets decide which pods are its own (only those are attested and get traffic)", apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
  { why: 'the Service has no selector: the operator lists its attested pods itself', apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: "the CA bundle for each appliance's clients (<name>-ca)", apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'its CA (r4-operator-ca), the certificates it issues (<name>-tls) and the CA of a user certificate', apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'patch'] },
  { why: 'attest pods: read them and set the r4.dev/cordoned label', apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] },
  { why: 'the r4.dev/attested readiness gate', apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
  { why: 'evict long-cordoned pods when the appliance asks for it', apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { why: 'tell people what happened', apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** In the operator's own namespace: its leader-election Lease. */
export const LEADER_ELECTION_RULES: PolicyRule[] = [
  { why: 'leader election: one Lease in the operator\'s namespace', apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];
