import { resolveSpec } from '../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../api/v1alpha1/types.js';
import { synthesizeWorkload, type RenderedObject } from './entropy-workload.js';

const defaults = { image: 'r4:0.1.0', imageDigest: `sha256:${'d'.repeat(64)}`, coreSha256: 'a'.repeat(64) };
const appliance = (spec: Partial<EntropyAppliance['spec']> = {}): EntropyAppliance => ({
  apiVersion: 'r4.dev/v1alpha1',
  kind: 'EntropyAppliance',
  metadata: { name: 'demo', namespace: 'team', uid: '1234' },
  spec: { apiKeySecretRef: { name: 'keys' }, ...spec },
});
type Any = Record<string, any>;
const byKind = (objects: RenderedObject[], kind: string) => objects.find((o) => o.kind === kind) as Any;

describe('the entropy workload construct', () => {
  const objects = synthesizeWorkload(resolveSpec(appliance(), defaults));
  const deployment = byKind(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('renders a Deployment, a Service and a PodDisruptionBudget in the appliance namespace', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Deployment/team/demo',
      'Service/team/demo',
      'PodDisruptionBudget/team/demo',
    ]);
  });

  test('selectors use only stable labels, never construct paths', () => {
    const stable = { 'app.kubernetes.io/name': 'r4-entropy', 'r4.dev/appliance': 'demo' };
    expect(deployment.spec.selector.matchLabels).toEqual(stable);
    // The Service selects nothing: the operator lists its endpoints itself, attested pods only.
    expect(byKind(objects, 'Service').spec.selector).toBeUndefined();
    expect(byKind(objects, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(stable);
    expect(JSON.stringify(objects)).not.toContain('cdk8s.io');
    expect(deployment.spec.template.metadata.labels).toMatchObject({ ...stable, 'app.kubernetes.io/managed-by': 'r4-operator' });
  });

  test('pods wait for attestation through a readiness gate', () => {
    expect(pod.readinessGates).toEqual([{ conditionType: 'r4.dev/attested' }]);
  });

  test('pods are hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp, no token', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('liveness on /health, readiness on /ready', () => {
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 8080 });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 8080 });
  });

  test('env comes from the spec; the key file and the certificate are mounted Secrets', () => {
    const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
    expect(env).toEqual({
      API_HOST: '0.0.0.0',
      PORT: '8080',
      API_KEYS_FILE: '/etc/r4/keys/api-keys',
      STRICT_FIPS: '1',
      ALLOW_QUERY_KEY: '0',
      R4_EXPECTED_CORE_SHA256: 'a'.repeat(64),
      TLS_CERT_FILE: '/etc/r4/tls/tls.crt',
      TLS_KEY_FILE: '/etc/r4/tls/tls.key',
      R4_VRF_KEYSET_FILE: '/etc/r4/vrf/keyset.json',
      R4_APPLIANCE: 'team/demo',
      R4_VRF_BEACON_PERIOD_S: '30',
    });
    expect(pod.volumes).toContainEqual({ name: 'api-keys', secret: { secretName: 'keys' } });
    expect(container.volumeMounts).toContainEqual({ mountPath: '/etc/r4/keys', name: 'api-keys', readOnly: true });
    // TLS by default, from the certificate the operator issues into <name>-tls.
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'demo-tls' } });
    expect(container.volumeMounts).toContainEqual({ mountPath: '/etc/r4/tls', name: 'tls', readOnly: true });
    expect(container.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(byKind(objects, 'Service').spec.ports).toEqual([{ name: 'https', port: 8080, targetPort: 8080 }]);
  });

  test('the VRF keys Secret is mounted read-only as a directory (so a rotation reaches running pods), never by subPath', () => {
    expect(pod.volumes).toContainEqual({ name: 'vrf-keys', secret: { secretName: 'demo-vrf-keys' } });
    expect(container.volumeMounts).toContainEqual({ mountPath: '/etc/r4/vrf', name: 'vrf-keys', readOnly: true });
    expect(container.volumeMounts.filter((m: Any) => m.subPath !== undefined)).toEqual([]);
  });

  test('the beacon settings come from spec.vrf.beacon; genesis defaults to the appliance\'s creation time', () => {
    const envOf = (a: EntropyAppliance) =>
      Object.fromEntries((byKind(synthesizeWorkload(resolveSpec(a, defaults)), 'Deployment').spec.template.spec.containers[0].env as Any[]).map((e) => [e.name, e.value]));
    const created = { ...appliance(), metadata: { ...appliance().metadata, creationTimestamp: new Date('2026-11-30T10:00:00Z') } };
    expect(envOf(created)).toMatchObject({ R4_VRF_BEACON_PERIOD_S: '30', R4_VRF_BEACON_GENESIS: '2026-11-30T10:00:00.000Z' });
    const set = { ...created, spec: { ...created.spec, vrf: { beacon: { periodSeconds: 5, genesis: '2027-01-01T01:00:00+01:00' } } } };
    expect(envOf(set)).toMatchObject({ R4_VRF_BEACON_PERIOD_S: '5', R4_VRF_BEACON_GENESIS: '2027-01-01T00:00:00.000Z' });
  });

  test('without the VRF keys (a Secret that is not the appliance\'s, or not valid) nothing is mounted and no keyset is named', () => {
    const without = byKind(synthesizeWorkload(resolveSpec(appliance(), defaults), { vrfKeys: false }), 'Deployment').spec.template.spec;
    const env = Object.fromEntries(without.containers[0].env.map((e: Any) => [e.name, e.value]));
    expect(env.R4_VRF_KEYSET_FILE).toBeUndefined();
    expect(env.R4_APPLIANCE).toBe('team/demo');
    expect(without.volumes.map((v: Any) => v.name)).not.toContain('vrf-keys');
    expect(without.containers[0].volumeMounts.map((m: Any) => m.name)).not.toContain('vrf-keys');
  });

  test('the image runs by digest: the spec\'s own, or for a bare tag the operator\'s default', () => {
    expect(container.image).toBe(`r4:0.1.0@sha256:${'d'.repeat(64)}`);
    const own = `sha256:${'e'.repeat(64)}`;
    const pinned = byKind(synthesizeWorkload(resolveSpec(appliance({ image: `registry.example/r4:9@${own}` }), defaults)), 'Deployment');
    expect(pinned.spec.template.spec.containers[0].image).toBe(`registry.example/r4:9@${own}`);
  });

  test('with TLS turned off: plain HTTP, said out loud, and nothing mounted for it', () => {
    const plain = byKind(synthesizeWorkload(resolveSpec(appliance({ tls: { enabled: false } }), defaults)), 'Deployment').spec.template.spec;
    const env = Object.fromEntries(plain.containers[0].env.map((e: Any) => [e.name, e.value]));
    expect(env).toMatchObject({ ALLOW_PLAIN_HTTP: '1' });
    expect(env.TLS_CERT_FILE).toBeUndefined();
    expect(plain.volumes.map((v: Any) => v.name)).not.toContain('tls');
  });

  test('a user certificate Secret is mounted instead of the operator\'s', () => {
    const user = byKind(synthesizeWorkload(resolveSpec(appliance({ tls: { secretName: 'my-cert' } }), defaults)), 'Deployment').spec.template.spec;
    expect(user.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'my-cert' } });
  });

  test('limits, resources, scheduling and service come through unchanged', () => {
    const full = synthesizeWorkload(
      resolveSpec(
        appliance({
          replicas: 3,
          image: 'registry.example/r4:9',
          strictFips: false,
          limits: { maxBytesPerRequest: 4096, requestsPerSecond: 10, bytesPerSecond: 40960 },
          resources: { requests: { cpu: '250m', memory: '1.5Gi' }, limits: { memory: 2147483648 } },
          nodeSelector: { disk: 'ssd' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'entropy', effect: 'NoSchedule' }],
          service: { port: 80, type: 'NodePort' },
        }),
        defaults,
      ),
    );
    const d = byKind(full, 'Deployment');
    const c = d.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value]));
    expect(d.spec.replicas).toBe(3);
    expect(c.image).toBe(`registry.example/r4:9@sha256:${'d'.repeat(64)}`);
    expect(env).toMatchObject({ STRICT_FIPS: '0', MAX_BYTES_PER_REQUEST: '4096', RATE_LIMIT_RPS: '10', RATE_LIMIT_BYTES_PER_S: '40960' });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '1.5Gi' }, limits: { memory: 2147483648 } });
    expect(d.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(d.spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'entropy', effect: 'NoSchedule' }]);
    expect(byKind(full, 'Service').spec).toMatchObject({ type: 'NodePort', ports: [{ name: 'https', port: 80, targetPort: 8080 }] });
  });
});
