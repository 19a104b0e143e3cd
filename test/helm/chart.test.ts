// The chart as files: it lints, renders the objects it promises with default and full values, refuses
// bad values with messages that name them, and installs the CRD and RBAC their one sources generate
// (api/v1alpha1/, operator/rbac.ts; test/generated/ checks the generated files are fresh).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crd as generatedCrd } from '../../api/v1alpha1/crd.js';
import { LEADER_ELECTION_RULES, OPERATOR_RULES, type PolicyRule } from '../../operator/rbac.js';
import { repoRoot } from '../support/repo-paths.js';
import { chartDir, helm, only, parseManifests, type Manifest } from './helm.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'r4-helm-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const fullValues = join(chartDir, 'ci', 'full-values.yaml');

async function render(...args: string[]): Promise<Manifest[]> {
  const result = await helm(['template', 'r4', chartDir, '--namespace', 'r4-system', ...args], { home });
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

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
    const result = await helm(['lint', '--strict', chartDir, ...args], { home });
    expect({ args, code: result.code, out: result.stdout + result.stderr }).toMatchObject({ code: 0 });
  }
});

test('default values: the operator with 2 leader-electing replicas, its RBAC and metrics Service', async () => {
  const manifests = await render();
  expect(manifests.map((m) => m.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort());
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
  expect(parseManifests((await helm(['show', 'crds', chartDir], { home })).stdout)).toEqual([crd]);
});

test('the chart\'s RBAC grants exactly the rules of operator/rbac.ts, as deploy/operator/rbac.yaml does', async () => {
  const deployed = parseManifests(readFileSync(join(repoRoot, 'deploy', 'operator', 'rbac.yaml'), 'utf8'));
  const manifests = await render();
  const withoutWhy = (rules: PolicyRule[]) => rules.map(({ why: _why, ...rule }) => rule);
  for (const [kind, rules] of [['ClusterRole', OPERATOR_RULES], ['Role', LEADER_ELECTION_RULES]] as const) {
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
  expect(monitor.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }]);

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
  });
  const secret = only(manifests, 'Secret', 'lottery-api-keys') as unknown as { stringData: Record<string, string> };
  expect(secret.stringData['api-keys']).toBe('draw-service-key-1\ndraw-service-key-2\n');

  const testPod = only(manifests, 'Pod') as unknown as { metadata: { annotations: Record<string, string> }; spec: { containers: Container[] } };
  expect(testPod.metadata.annotations['helm.sh/hook']).toBe('test');
  // HTTPS, verified with the CA bundle the operator publishes in lottery-ca.
  expect(envOf(testPod.spec.containers[0] as Container)).toEqual({ R4_URL: 'https://lottery.r4-system.svc:8080', R4_API_KEY_FILE: '/var/run/r4/keys/api-keys', R4_CA_FILE: '/var/run/r4/ca/ca.crt' });

  const operator = podSpec(only(manifests, 'Deployment'));
  // A pinned service image is the digest every entropy pod must report (operator.defaultImageDigest unset).
  expect(envOf(operator.containers[0] as Container)).toMatchObject({
    WATCH_NAMESPACE: 'r4-system',
    R4_DEFAULT_IMAGE: `registry.example/r4@sha256:${'0'.repeat(64)}`,
    R4_DEFAULT_IMAGE_DIGEST: `sha256:${'0'.repeat(64)}`,
  });
  // Watching one namespace, the ClusterRole is bound there only.
  expect(manifests.filter((m) => m.kind === 'ClusterRoleBinding')).toEqual([]);
  expect(only(manifests, 'RoleBinding', 'r4-operator').metadata.namespace).toBe('r4-system');
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
  [['--set', 'appliance.enabled=true', '--set', 'appliance.apiKeys.keys={demo}', '--set', 'appliance.spec.replicas=3'], /replicas/],
  [['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.service.enabled=false'], /needs metrics\.service\.enabled/],
  [['--set', 'operator.image.digest=latest'], /digest/],
  [['--set', 'operator.defaultImageDigest=sha256:ABC'], /defaultImageDigest/],
])('bad values %j are refused with a message naming them', async (args, message) => {
  const result = await helm(['template', 'r4', chartDir, ...args], { home });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/panic|goroutine/);
});
