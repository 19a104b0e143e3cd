import { resolveSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { desiredChildren } from './children.js';

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
