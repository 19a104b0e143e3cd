import { resolveSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { desiredChildren, networkPolicy } from './children.js';

const defaults = { image: 'r4:0.1.0', imageDigest: `sha256:${'d'.repeat(64)}`, coreSha256: 'a'.repeat(64) };
const appliance = (spec: Partial<EntropyAppliance['spec']> = {}): EntropyAppliance => ({
  apiVersion: 'r4.dev/v1alpha1',
  kind: 'EntropyAppliance',
  metadata: { name: 'demo', namespace: 'team', uid: '1234' },
  spec: { apiKeySecretRef: { name: 'keys' }, ...spec },
});

describe('desiredChildren', () => {
  test('children carry an owner reference to the appliance and a hash of what was rendered', () => {
    const children = desiredChildren(appliance(), resolveSpec(appliance(), defaults));
    for (const child of children) {
      expect(child.metadata.ownerReferences).toEqual([
        { apiVersion: 'r4.dev/v1alpha1', kind: 'EntropyAppliance', name: 'demo', uid: '1234', controller: true, blockOwnerDeletion: true },
      ]);
      expect(child.metadata.annotations['r4.dev/rendered-hash']).toMatch(/^[0-9a-f]{16}$/);
    }
    const changed = desiredChildren(appliance({ replicas: 5 }), resolveSpec(appliance({ replicas: 5 }), defaults));
    expect(changed[0]?.metadata.annotations['r4.dev/rendered-hash']).not.toBe(children[0]?.metadata.annotations['r4.dev/rendered-hash']);
    expect(changed[1]?.metadata.annotations['r4.dev/rendered-hash']).toBe(children[1]?.metadata.annotations['r4.dev/rendered-hash']);
  });
});

test('the pods\' /tmp is an emptyDir with a size limit', () => {
  const [deployment] = desiredChildren(appliance(), resolveSpec(appliance(), defaults)) as unknown as [{ spec: { template: { spec: { volumes: { name: string; emptyDir?: unknown }[] } } } }];
  expect(deployment.spec.template.spec.volumes.find((v) => v.name === 'tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '32Mi' } });
});

describe('networkPolicy', () => {
  const operatorPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'r4-system' } } };
  const ingressOf = (spec: Partial<EntropyAppliance['spec']>) => {
    const policy = networkPolicy(appliance(spec), resolveSpec(appliance(spec), defaults), 'r4-system') as unknown as {
      spec: { podSelector: unknown; policyTypes: string[]; ingress: { from: unknown[]; ports: unknown[] }[] };
    };
    return policy.spec;
  };

  test.each<[string, Partial<EntropyAppliance['spec']>, unknown[]]>([
    ['no clients: the operator only', {}, [operatorPeer]],
    ['pods of a label in the same namespace', { clients: [{ podSelector: { matchLabels: { app: 'draw' } } }] }, [operatorPeer, { podSelector: { matchLabels: { app: 'draw' } } }]],
    [
      'a namespace and pods in it, and a second peer',
      {
        clients: [
          { namespaceSelector: { matchLabels: { team: 'lottery' } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }] } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'audit' } } },
        ],
      },
      [
        operatorPeer,
        { namespaceSelector: { matchLabels: { team: 'lottery' } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }] } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'audit' } } },
      ],
    ],
  ])('%s', (_case, spec, from) => {
    const policy = ingressOf(spec);
    expect(policy.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'r4-entropy', 'r4.dev/appliance': 'demo' } });
    expect(policy.policyTypes).toEqual(['Ingress']);
    // One rule: these peers, the service's container port, nothing else.
    expect(policy.ingress).toEqual([{ from, ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('owned by the appliance, labelled managed-by, named as the appliance', () => {
    const policy = networkPolicy(appliance(), resolveSpec(appliance(), defaults), 'r4-system');
    expect(policy.metadata).toMatchObject({ name: 'demo', namespace: 'team', labels: { 'app.kubernetes.io/managed-by': 'r4-operator' } });
    expect(policy.metadata.ownerReferences[0]).toMatchObject({ uid: '1234', controller: true });
  });
});

describe('the entropy container\'s ALLOW_QUERY_KEY', () => {
  const envOf = (spec: Partial<EntropyAppliance['spec']>) => {
    const deployment = desiredChildren(appliance(spec), resolveSpec(appliance(spec), defaults)).find((child) => child.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    return Object.fromEntries(deployment.spec.template.spec.containers[0]?.env.map((e) => [e.name, e.value]) ?? []);
  };

  test.each<[string, Partial<EntropyAppliance['spec']>, string]>([
    ['off when the spec says nothing: keys in URLs reach logs', {}, '0'],
    ['off when auth is empty', { auth: {} }, '0'],
    ['off when the spec says so', { auth: { allowQueryKey: false } }, '0'],
    ['on only when the spec asks for it', { auth: { allowQueryKey: true } }, '1'],
  ])('%s', (_name, spec, rendered) => {
    expect(envOf(spec).ALLOW_QUERY_KEY).toBe(rendered);
  });
});
