// The objects a reflector has seen, by namespace and name, with an optional index on one label's value
// (per namespace), so "the pods of appliance X" is a lookup rather than a filter over every pod.
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ChangeKind } from './resource.js';

export interface Change<T> {
  kind: ChangeKind;
  object: T;
}

const namespaceOf = (o: KubernetesObject) => o.metadata?.namespace ?? '';
const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';
const withoutVersion = (o: KubernetesObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
const indexKey = (namespace: string, value: string) => `${namespace}/${value}`;

export class ObjectStore<T extends KubernetesObject> {
  private readonly objects = new Map<string, Map<string, T>>();
  /** `namespace/labelValue` to the objects carrying it, by name. */
  private readonly index = new Map<string, Map<string, T>>();

  /** indexLabel: the label whose value `byLabel` looks up. */
  constructor(private readonly indexLabel?: string) {}

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined || namespace === '') return [...this.objects.values()].flatMap((byName) => [...byName.values()]);
    return [...(this.objects.get(namespace)?.values() ?? [])];
  }

  /** The objects of a namespace whose index label has this value. */
  byLabel(namespace: string, value: string): T[] {
    return [...(this.index.get(indexKey(namespace, value))?.values() ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const byName of this.objects.values()) n += byName.size;
    return n;
  }

  /**
   * Stores the object; says whether it was new or changed. Undefined: no change, either the same
   * resourceVersion or a new one with nothing else different in what is kept (the transforms drop what the
   * readers never look at, such as managedFields, so a write that touched only that wakes no one).
   */
  upsert(object: T): ChangeKind | undefined {
    const namespace = namespaceOf(object);
    const name = nameOf(object);
    let byName = this.objects.get(namespace);
    if (!byName) this.objects.set(namespace, (byName = new Map()));
    const previous = byName.get(name);
    const version = object.metadata?.resourceVersion;
    if (previous && version !== undefined && previous.metadata?.resourceVersion === version) return undefined;
    byName.set(name, object);
    if (previous) this.unindex(previous);
    this.indexObject(object);
    if (!previous) return 'add';
    return isDeepStrictEqual(withoutVersion(previous), withoutVersion(object)) ? undefined : 'update';
  }

  /** Removes the object; returns what was stored (the last state seen), if anything. */
  delete(object: T): T | undefined {
    const namespace = namespaceOf(object);
    const byName = this.objects.get(namespace);
    const previous = byName?.get(nameOf(object));
    if (!byName || !previous) return undefined;
    byName.delete(nameOf(object));
    if (byName.size === 0) this.objects.delete(namespace);
    this.unindex(previous);
    return previous;
  }

  /** Makes the store hold exactly `items` (a fresh list) and returns the changes that took it there. */
  replace(items: readonly T[]): Change<T>[] {
    const listed = new Set(items.map((o) => indexKey(namespaceOf(o), nameOf(o))));
    const changes: Change<T>[] = [];
    for (const object of this.list()) {
      if (listed.has(indexKey(namespaceOf(object), nameOf(object)))) continue;
      this.delete(object);
      changes.push({ kind: 'delete', object });
    }
    for (const object of items) {
      const kind = this.upsert(object);
      if (kind) changes.push({ kind, object });
    }
    return changes;
  }

  private indexObject(object: T): void {
    const value = this.indexLabel === undefined ? undefined : object.metadata?.labels?.[this.indexLabel];
    if (value === undefined) return;
    const k = indexKey(namespaceOf(object), value);
    let byName = this.index.get(k);
    if (!byName) this.index.set(k, (byName = new Map()));
    byName.set(nameOf(object), object);
  }

  private unindex(object: T): void {
    const value = this.indexLabel === undefined ? undefined : object.metadata?.labels?.[this.indexLabel];
    if (value === undefined) return;
    const k = indexKey(namespaceOf(object), value);
    const byName = this.index.get(k);
    byName?.delete(nameOf(object));
    if (byName?.size === 0) this.index.delete(k);
  }
}
