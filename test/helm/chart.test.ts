// The chart as files: it lints, renders the objects it promises with default and full values, refuses
// bad values with messages that name them, and installs the CRD and RBAC their one sources generate
// (api/v1alpha1/, operator/rbac.ts; test/generated/ checks the generated files are fresh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crd as generatedCrd } from '../../api/v1alpha1/crd.js';
import { OPERATOR_NAMESPACE_RULES, OPERATOR_RULES, type PolicyRule } from '../../operator/rbac.js';
import { repoRoot } from '../support/repo-paths.js';
import { chartDir, fullValues, helm, only, parseManifests, useChartTemplate, type Manifest } from './helm.js';

const chart = useChartTemplate();
const render = chart.render;

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: unknown;
}
const podSpec = (m: Manifest) => (m as unknown as { spec: { template: { spec: { containers: Container[]; securityContext: Record<string, unknown>; serviceAccountName: string } } } }).spec.template.spec;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

test('helm lint passes with default and full values', async () => {
  for (const args of [[], ['--values', fullValues]]) {
    const result = await helm(['lint', '--strict', chartDir, ...args], { home: chart.home() });
    expect({ args, code: result.code, out: result.stdout + result.stderr }).toMatchObject({ code: 0 });
  }
});

test('default values: the operator with 2 leader-electing replicas, its RBAC and metrics Service', async () => {
  const manifests = await render();
  expect(manifests.map((m) => m.kind).sort()).toEqual(
    [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'NetworkPolicy',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'Service',
      'ServiceAccount',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ].sort(),
  );
  const deployment = only(manifests, 'Deployment', 'r4-operator');
  expect((deployment as unknown as { spec: { replicas: number } }).spec.replicas).toBe(2);
  const spec = podSpec(deployment);
  expect(spec.serviceAccountName).toBe('r4-operator');
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
  const [container] = spec.containers as [Container];
  expect(container.image).toBe('r4-operator:0.1.0');
  expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  expect(envOf(container)).toMatchObject({
    LEADER_ELECTION: 'true',
    LEASE_NAMESPACE: 'r4-system',
    LEASE_NAME: 'r4-operator',
    R4_DEFAULT_IMAGE: 'r4:0.1.0',
    POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
  });
  // Empty expectedCoreSha256 and digest: the operator image's own defaults (its build's core and service image) apply.
  expect(envOf(container)).not.toHaveProperty('R4_DEFAULT_CORE_SHA256');
  expect(envOf(container)).not.toHaveProperty('R4_DEFAULT_IMAGE_DIGEST');

  const metrics = only(manifests, 'Service', 'r4-operator-metrics') as unknown as { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] } };
  expect(metrics.spec.ports).toEqual([{ name: 'http-metrics', port: 8081, targetPort: 'http-metrics' }]);
  expect((deployment as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels).toEqual(metrics.spec.selector);
});

test('Helm installs the CRD api/v1alpha1 generates', async () => {
  const crd = JSON.parse(JSON.stringify(generatedCrd)) as Manifest;
  expect(only(await render('--include-crds'), 'CustomResourceDefinition')).toEqual(crd);
  // What the chart's notes tell users to apply before an upgrade that changes the CRD.
  expect(parseManifests((await helm(['show', 'crds', chartDir], { home: chart.home() })).stdout)).toEqual([crd]);
});

test('the chart\'s RBAC grants exactly the rules of operator/rbac.ts, as deploy/operator/rbac.yaml does', async () => {
  const deployed = parseManifests(readFileSync(join(repoRoot, 'deploy', 'operator', 'rbac.yaml'), 'utf8'));
  const manifests = await render();
  const withoutWhy = (rules: PolicyRule[]) => rules.map(({ why: _why, ...rule }) => rule);
  for (const [kind, rules] of [['ClusterRole', OPERATOR_RULES], ['Role', OPERATOR_NAMESPACE_RULES]] as const) {
    expect({ kind, rules: only(manifests, kind).rules }).toEqual({ kind, rules: withoutWhy(rules) });
    expect({ kind, rules: only(deployed, kind).rules }).toEqual({ kind, rules: withoutWhy(rules) });
  }
  const binding = only(manifests, 'ClusterRoleBinding') as unknown as { subjects: unknown[] };
  expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'r4-operator', namespace: 'r4-system' }]);
});

test('full values: ServiceMonitor, appliance with its key Secret, and the helm test pod', async () => {
  const manifests = await render('--values', fullValues);
  const monitor = only(manifests, 'ServiceMonitor') as unknown as { metadata: { labels: Record<string, string> }; spec: { endpoints: { port: string; interval: string }[] } };
  expect(monitor.metadata.labels.release).toBe('prometheus');
  expect(monitor.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', honorLabels: true, interval: '15s', scrapeTimeout: '5s' }]);

  const appliance = only(manifests, 'EntropyAppliance', 'lottery') as unknown as { metadata: { annotations?: Record<string, string> }; spec: Record<string, unknown> };
  // An ordinary release resource (no hook): created, upgraded and deleted with the release.
  expect(appliance.metadata.annotations).toBeUndefined();
  expect(appliance.spec).toEqual({
    replicas: 3,
    strictFips: true,
    apiKeySecretRef: { name: 'lottery-api-keys', key: 'api-keys' },
    limits: { maxBytesPerRequest: 65536, requestsPerSecond: 200, bytesPerSecond: 4194304 },
    attestation: { intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, evictCordoned: true },
    service: { port: 8080, type: 'ClusterIP' },
    clients: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'lottery-clients' } }, podSelector: { matchLabels: { app: 'draw' } } }],
  });
  const secret = only(manifests, 'Secret', 'lottery-api-keys') as unknown as { metadata: { labels: Record<string, string> }; stringData: Record<string, string> };
  // Labelled for r4: the operator mounts no other Secret.
  expect(secret.metadata.labels['r4.dev/api-keys']).toBe('true');
  expect(secret.stringData['api-keys']).toBe('d694bddaf74f1049308beb91fa7cd2e8\n357334e69b02d956b83ce11c860bc72f\n');

  const testPod = only(manifests, 'Pod') as unknown as { metadata: { annotations: Record<string, string> }; spec: { containers: Container[] } };
  expect(testPod.metadata.annotations['helm.sh/hook']).toBe('test');
  // HTTPS, verified with the CA bundle the operator publishes in lottery-ca.
  expect(envOf(testPod.spec.containers[0] as Container)).toEqual({ R4_URL: 'https://lottery.r4-system.svc:8080', R4_API_KEY_FILE: '/var/run/r4/keys/api-keys', R4_CA_FILE: '/var/run/r4/ca/ca.crt' });

  const operator = podSpec(only(manifests, 'Deployment'));
  // A pinned service image is the digest every entropy pod must report (operator.defaultImageDigest unset).
  expect(envOf(operator.containers[0] as Container)).toMatchObject({
    WATCH_NAMESPACE: 'r4-system,lottery-clients',
    R4_ALLOWED_IMAGE_REPOSITORIES: 'registry.example/r4,registry.example/r4-canary/*',
    R4_DEFAULT_IMAGE: `registry.example/r4@sha256:${'0'.repeat(64)}`,
    R4_DEFAULT_IMAGE_DIGEST: `sha256:${'0'.repeat(64)}`,
  });
  // Watching namespaces: a Role and RoleBinding in each with the operator's rules, and nothing cluster-wide.
  expect(manifests.filter((m) => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')).toEqual([]);
  const withoutWhy = OPERATOR_RULES.map(({ why: _why, ...rule }) => rule);
  for (const kind of ['Role', 'RoleBinding']) {
    const named = manifests.filter((m) => m.kind === kind && m.metadata.name === 'r4-operator');
    expect(named.map((m) => m.metadata.namespace).sort()).toEqual(['lottery-clients', 'r4-system']);
    if (kind === 'Role') for (const role of named) expect(role.rules).toEqual(withoutWhy);
  }
  // Its own namespace: the Lease and the CA Secret.
  expect(only(manifests, 'Role', 'r4-operator-own-namespace').metadata.namespace).toBe('r4-system');

  // /metrics from the named namespaces only.
  const policy = only(manifests, 'NetworkPolicy', 'r4-operator-metrics') as unknown as { spec: Record<string, unknown> };
  expect(policy.spec).toEqual({
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'r4-operator', 'app.kubernetes.io/instance': 'r4' } },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring', 'observability'] }] } }],
        ports: [{ protocol: 'TCP', port: 'http-metrics' }],
      },
    ],
  });
});

test('default values: appliances may run the shipped repository only; the operator\'s /tmp is bounded; /metrics only from monitoring', async () => {
  const manifests = await render();
  const operator = podSpec(only(manifests, 'Deployment')) as ReturnType<typeof podSpec> & { volumes: unknown[]; containers: (Container & { volumeMounts: unknown[] })[] };
  expect(envOf(operator.containers[0] as Container)).toMatchObject({ WATCH_NAMESPACE: '', R4_ALLOWED_IMAGE_REPOSITORIES: 'r4' });
  expect(operator.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }]);
  expect(operator.containers[0]?.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  const policy = only(manifests, 'NetworkPolicy', 'r4-operator-metrics') as unknown as { spec: { ingress: { from: { namespaceSelector: { matchExpressions: { values: string[] }[] } }[] }[] } };
  expect(policy.spec.ingress[0]?.from[0]?.namespaceSelector.matchExpressions[0]?.values).toEqual(['monitoring']);
  // A repository of the user's own replaces the shipped one.
  const own = await render('--set', 'appliances.image.repository=registry.example/r4');
  expect(envOf(podSpec(only(own, 'Deployment')).containers[0] as Container)).toMatchObject({ R4_ALLOWED_IMAGE_REPOSITORIES: 'registry.example/r4' });
  // Switched off: no metrics policy (the dashboard's keeps the port open then: test/helm/dashboard.test.ts).
  expect((await render('--set', 'metrics.networkPolicy.enabled=false')).filter((m) => m.kind === 'NetworkPolicy').map((m) => m.metadata.name)).toEqual(['r4-operator-dashboard']);
});

test('the admission policy binds the operator\'s ServiceAccount to objects labelled as its own', async () => {
  const manifests = await render('--set', 'serviceAccount.name=entropy-operator');
  const policy = only(manifests, 'ValidatingAdmissionPolicy') as unknown as {
    metadata: { name: string };
    spec: { failurePolicy: string; matchConditions: { expression: string }[]; matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[] }; validations: { expression: string }[] };
  };
  expect(policy.metadata.name).toBe('r4-operator.r4-system.r4.dev');
  expect(policy.spec.failurePolicy).toBe('Fail');
  expect(policy.spec.matchConditions).toEqual([{ name: 'the-r4-operator', expression: 'request.userInfo.username == "system:serviceaccount:r4-system:entropy-operator"' }]);
  const resources = policy.spec.matchConstraints.resourceRules.flatMap((r) => r.resources).sort();
  // Every kind the operator may write (operator/rbac.ts), pods and their status included; Events and evictions are not objects it owns.
  for (const kind of ['configmaps', 'deployments', 'endpointslices', 'networkpolicies', 'poddisruptionbudgets', 'pods', 'pods/status', 'secrets', 'services']) expect(resources).toContain(kind);
  const writable = OPERATOR_RULES.filter((r) => r.verbs.some((v) => ['create', 'patch', 'update', 'delete'].includes(v))).flatMap((r) => r.resources);
  for (const resource of writable.filter((r) => !['events', 'pods/eviction', 'entropyappliances/status'].includes(r))) expect(resources).toContain(resource);
  const binding = only(manifests, 'ValidatingAdmissionPolicyBinding') as unknown as { spec: Record<string, unknown> };
  expect(binding.spec).toEqual({ policyName: 'r4-operator.r4-system.r4.dev', validationActions: ['Deny'] });
  expect((await render('--set', 'admissionPolicy.enabled=false')).filter((m) => m.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
});

test('operator.defaultImageDigest is the digest appliances run, over the pinned service image', async () => {
  const digest = `sha256:${'1'.repeat(64)}`;
  const manifests = await render('-f', fullValues, '--set', `operator.defaultImageDigest=${digest}`);
  expect(envOf(podSpec(only(manifests, 'Deployment')).containers[0] as Container)).toMatchObject({ R4_DEFAULT_IMAGE_DIGEST: digest });
});

test.each([
  [['--set', 'operator.replicas=0'], /operator\.replicas|replicas.*minimum/],
  [['--set', 'crds.enabled=false'], /crds/],
  [['--set', 'operator.logLevel=loud'], /logLevel/],
  [['--set', 'operator.replicas=two'], /replicas/],
  [['--set', 'opertor.replicas=2'], /opertor/],
  [['--set', 'appliances.expectedCoreSha256=abc'], /expectedCoreSha256/],
  [['--set', 'appliance.enabled=true'], /appliance\.enabled needs API keys/],
  [['--set', 'appliance.enabled=true', '--set', `appliance.apiKeys.keys={${'k'.repeat(32)}}`, '--set', 'appliance.spec.replicas=3'], /replicas/],
  // A key under 32 characters would be refused by every pod at start: the chart refuses it first.
  [['--set', 'appliance.enabled=true', '--set', 'appliance.apiKeys.keys={demo}'], /keys.*(pattern|match)/],
  [['--set', 'appliance.enabled=true', '--set', 'appliance.apiKeys.keys={has space in a key that is long enough}'], /keys.*(pattern|match)/],
  [['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.service.enabled=false'], /needs metrics\.service\.enabled/],
  [['--set', 'operator.image.digest=latest'], /digest/],
  [['--set', 'operator.defaultImageDigest=sha256:ABC'], /defaultImageDigest/],
  [['--set', 'operator.allowedImageRepositories={r4:1.0}'], /allowedImageRepositories/],
  [['--set', 'operator.watchNamespace=Team_A'], /watchNamespace/],
  [['--set', 'metrics.networkPolicy.namespaces=null'], /namespaces/],
])('bad values %j are refused with a message naming them', async (args, message) => {
  const result = await helm(['template', 'r4', chartDir, ...args], { home: chart.home() });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/panic|goroutine/);
});
