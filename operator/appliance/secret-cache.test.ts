import type { V1Secret } from '@kubernetes/client-node';
import { applianceVersion, SecretCache } from './secret-cache.js';

/** The Secrets of a namespace as the API server would answer, and every read made. */
function store() {
  const secrets = new Map<string, V1Secret>([['team/keys', { metadata: { name: 'keys', resourceVersion: '1' } }]]);
  const reads: string[] = [];
  const read = async (namespace: string, name: string, metadataOnly: boolean) => {
    reads.push(`${metadataOnly ? 'meta' : 'full'} ${namespace}/${name}`);
    return secrets.get(`${namespace}/${name}`);
  };
  return { secrets, reads, read };
}

describe('SecretCache', () => {
  test('a Secret read once is kept for maxAgeMs, then read again', async () => {
    let now = 0;
    const { reads, read } = store();
    const cache = new SecretCache(read, 600_000, () => now);
    await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    now = 59_999;
    await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    expect(reads).toEqual(['meta team/keys']);
    now = 60_000;
    await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    expect(reads).toEqual(['meta team/keys', 'meta team/keys']);
  });

  test('a copy read for another version of the appliance is read again', async () => {
    const { reads, read } = store();
    const cache = new SecretCache(read, 600_000, () => 0);
    await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '2' });
    expect(reads).toHaveLength(2);
  });

  test('appliances sharing a Secret each keep a copy; invalidate drops them all', async () => {
    const { reads, read } = store();
    const cache = new SecretCache(read, 600_000, () => 0);
    for (let round = 0; round < 3; round++) {
      await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
      await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/b', applianceVersion: '7' });
    }
    expect(reads).toEqual(['meta team/keys', 'meta team/keys']);
    cache.invalidate('team', 'keys');
    await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/b', applianceVersion: '7' });
    expect(reads).toHaveLength(4);
  });

  test('the version a copy depends on moves with the spec and the annotations, not with the status', () => {
    const base = applianceVersion({ generation: 3, annotations: { a: '1' } });
    expect(applianceVersion({ generation: 3, annotations: { a: '1' } })).toBe(base);
    expect(applianceVersion({ generation: 4, annotations: { a: '1' } })).not.toBe(base);
    expect(applianceVersion({ generation: 3, annotations: { a: '1', 'r4.dev/rotate-vrf-keys': 'now' } })).not.toBe(base);
  });

  test('no copy outlives longestMs, whatever maxAgeMs asks', async () => {
    let now = 0;
    const { reads, read } = store();
    const cache = new SecretCache(read, 600_000, () => now);
    await cache.get('team', 'keys', { maxAgeMs: 900_000, appliance: 'team/a', applianceVersion: '1' });
    now = 600_000;
    await cache.get('team', 'keys', { maxAgeMs: 900_000, appliance: 'team/a', applianceVersion: '1' });
    expect(reads).toHaveLength(2);
  });

  test('the metadata-only and the whole Secret are kept apart; maxAgeMs 0 reads afresh', async () => {
    const { reads, read } = store();
    const cache = new SecretCache(read, 600_000, () => 0);
    await cache.get('team', 'keys', { metadataOnly: true, maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    await cache.get('team', 'keys', { maxAgeMs: 0, appliance: 'team/a', applianceVersion: '1' });
    expect(reads).toEqual(['meta team/keys', 'full team/keys', 'full team/keys']);
  });

  test('an absent Secret is not kept: one created to fix a spec is seen at the next look', async () => {
    const { secrets, reads, read } = store();
    const cache = new SecretCache(read, 600_000, () => 0);
    expect(await cache.get('team', 'tls', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' })).toBeUndefined();
    secrets.set('team/tls', { metadata: { name: 'tls' } });
    expect(await cache.get('team', 'tls', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' })).toMatchObject({ metadata: { name: 'tls' } });
    expect(reads).toHaveLength(2);
  });

  test('invalidate (after the operator wrote it) makes the next get read the new Secret', async () => {
    const { secrets, read } = store();
    const cache = new SecretCache(read, 600_000, () => 0);
    await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' });
    secrets.set('team/keys', { metadata: { name: 'keys', resourceVersion: '2' } });
    expect((await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' }))?.metadata?.resourceVersion).toBe('1');
    cache.invalidate('team', 'keys');
    expect((await cache.get('team', 'keys', { maxAgeMs: 60_000, appliance: 'team/a', applianceVersion: '1' }))?.metadata?.resourceVersion).toBe('2');
  });
});
