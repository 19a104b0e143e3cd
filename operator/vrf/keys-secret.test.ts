import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import { parseVrfKeyset, type VrfKeyset } from '../../contracts/vrf-keyset.js';
import { vrfKeysSecret } from './keys-secret.js';

const appliance: EntropyAppliance = { apiVersion: 'r4.dev/v1alpha1', kind: 'EntropyAppliance', metadata: { name: 'demo', namespace: 'team', uid: 'u1' }, spec: { apiKeySecretRef: { name: 'k' } } };
const spec = { name: 'demo', namespace: 'team' };
const keyset: VrfKeyset = {
  version: 1,
  keys: [
    {
      key_id: `r4k-${'1'.repeat(24)}`,
      vrf_secret_key: '2'.repeat(64),
      mldsa_seed: '3'.repeat(64),
      vrf_public_key: '4'.repeat(64),
      public_key: Buffer.alloc(1952, 5).toString('base64'),
      created_at: '2026-11-30T12:00:00.000Z',
      active_from: '2026-11-30T12:00:00.000Z',
      core_sha256: 'e'.repeat(64),
    },
  ],
};

describe('the VRF keys Secret', () => {
  test('<name>-vrf-keys, Opaque, controlled by the appliance, labelled as its child and the operator\'s', () => {
    const secret = vrfKeysSecret(appliance, spec, keyset);
    expect(secret.metadata).toMatchObject({
      name: 'demo-vrf-keys',
      namespace: 'team',
      labels: { 'r4.dev/appliance': 'demo', 'app.kubernetes.io/managed-by': 'r4-operator' },
      ownerReferences: [{ apiVersion: 'r4.dev/v1alpha1', kind: 'EntropyAppliance', name: 'demo', uid: 'u1', controller: true, blockOwnerDeletion: true }],
    });
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata?.annotations).toBeUndefined();
  });

  test('keyset.json holds the keyset as the pods parse it; the rotation value served is recorded', () => {
    const secret = vrfKeysSecret(appliance, spec, keyset, 'r1');
    expect(Object.keys(secret.data ?? {})).toEqual(['keyset.json']);
    expect(parseVrfKeyset(Buffer.from(secret.data?.['keyset.json'] ?? '', 'base64').toString('utf8'))).toEqual({ ok: true, keyset });
    expect(secret.metadata?.annotations).toEqual({ 'r4.dev/rotated-for': 'r1' });
  });

  test('an appliance without a uid (not yet stored) gets no Secret', () => {
    expect(() => vrfKeysSecret({ ...appliance, metadata: { name: 'demo' } }, spec, keyset)).toThrow(/has no uid/);
  });
});
