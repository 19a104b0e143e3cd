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

/**
 * In every watched namespace (a ClusterRole and its ClusterRoleBinding when all are watched; else a Role
 * and RoleBinding per namespace). No delete and no update anywhere: children go with their appliance by
 * garbage collection. What these verbs may touch is narrowed further by the chart's
 * ValidatingAdmissionPolicy: only objects labelled app.kubernetes.io/managed-by=r4-operator, and on pods
 * only the operator's condition and label.
 */
export const OPERATOR_RULES: PolicyRule[] = [
  { why: 'watch appliances', apiGroups: ['r4.dev'], resources: ['entropyappliances'], verbs: ['get', 'list', 'watch'] },
  { why: 'write their status (server-side apply)', apiGroups: ['r4.dev'], resources: ['entropyappliances/status'], verbs: ['patch'] },
  { why: 'the children, applied server-side (apply may create); get: is an object of that name this appliance\'s?', apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'the children', apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'the children', apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'the children: who may reach the entropy pods', apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: "an appliance's ReplicaSets decide which pods are its own (only those are attested and get traffic)", apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list', 'watch'] },
  { why: 'the Service has no selector: the operator lists its attested pods itself', apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: "the CA bundle for each appliance's clients (<name>-ca)", apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { why: 'the certificates it issues (<name>-tls) and the VRF keys it makes (<name>-vrf-keys: created once, then a key appended); read the Secrets an appliance names, to check their r4 label', apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'patch'] },
  { why: 'attest pods: read them and set the r4.dev/cordoned label', apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'patch'] },
  { why: 'the r4.dev/attested readiness gate', apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
  { why: 'evict long-cordoned pods when the appliance asks for it', apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { why: "tell people what happened; the dashboard reads back its own (the appliances' Events) for their history", apiGroups: [''], resources: ['events'], verbs: ['create', 'list', 'watch'] },
];

/** In the operator's own namespace: its leader-election Lease and its certificate authority. */
export const OPERATOR_NAMESPACE_RULES: PolicyRule[] = [
  { why: 'leader election: one Lease in the operator\'s namespace', apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  { why: 'its CA: the Secret r4-operator-ca, made once', apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create'] },
];
