import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectStore } from './store.js';

const pod = (name: string, resourceVersion: string, labels: Record<string, string> = {}, phase = 'Running') =>
  ({ metadata: { name, namespace: 'ns', resourceVersion, labels }, status: { phase } }) as KubernetesObject & { status: { phase: string } };

describe('ObjectStore', () => {
  test('says add, then update for a change, and nothing for a version seen before', () => {
    const store = new ObjectStore('app');
    expect(store.upsert(pod('a', '1'))).toBe('add');
    expect(store.upsert(pod('a', '2', {}, 'Failed'))).toBe('update');
    expect(store.upsert(pod('a', '2', {}, 'Failed'))).toBeUndefined();
  });

  test('a new version with nothing else changed is stored but is no change', () => {
    const store = new ObjectStore('app');
    store.upsert(pod('a', '1', { app: 'x' }));
    expect(store.upsert(pod('a', '2', { app: 'x' }))).toBeUndefined();
    expect(store.get('a', 'ns')?.metadata?.resourceVersion).toBe('2');
    expect(store.byLabel('ns', 'x').map((o) => o.metadata?.resourceVersion)).toEqual(['2']);
  });

  test('a label change moves the object in the index', () => {
    const store = new ObjectStore('app');
    store.upsert(pod('a', '1', { app: 'x' }));
    expect(store.upsert(pod('a', '2', { app: 'y' }))).toBe('update');
    expect(store.byLabel('ns', 'x')).toEqual([]);
    expect(store.byLabel('ns', 'y').map((o) => o.metadata?.name)).toEqual(['a']);
  });

  test('replace reports what a fresh list deleted, added and changed, and nothing for the unchanged', () => {
    const store = new ObjectStore('app');
    store.upsert(pod('gone', '1'));
    store.upsert(pod('same', '1'));
    store.upsert(pod('moved', '1'));
    const changes = store.replace([pod('same', '5'), pod('moved', '6', {}, 'Failed'), pod('new', '7')]);
    expect(changes.map((c) => [c.kind, c.object.metadata?.name])).toEqual([
      ['delete', 'gone'],
      ['update', 'moved'],
      ['add', 'new'],
    ]);
    expect(store.size).toBe(3);
  });
});
