// One resource watched in several namespaces (the operator's namespaced mode: a Role in each, no right
// to list cluster-wide), or in all of them, read as one cache.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ChangeHandler, ResilientInformer } from './informer.js';

/** Every namespace: the one key of a cluster-wide set. */
export const ALL_NAMESPACES = '';

export class InformerSet<T extends KubernetesObject> {
  private readonly informers: ReadonlyMap<string, ResilientInformer<T>>;

  /** namespaces: those to watch, or [ALL_NAMESPACES]. */
  constructor(namespaces: readonly string[], build: (namespace: string) => ResilientInformer<T>) {
    this.informers = new Map(namespaces.map((ns) => [ns, build(ns)]));
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Every informer has listed at least once. */
  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced);
  }

  /** Resolves once every informer has listed. */
  async untilSynced(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.untilSynced()));
  }

  get healthy(): boolean {
    return [...this.informers.values()].every((i) => i.healthy);
  }

  list(namespace?: string): readonly T[] {
    if (namespace === undefined) return [...this.informers.values()].flatMap((i) => i.list());
    return this.for(namespace)?.list(namespace) ?? [];
  }

  get(name: string, namespace: string): T | undefined {
    return this.for(namespace)?.get(name, namespace);
  }

  /** The objects of a namespace whose indexed label has this value (see WatchedResource.indexLabel). */
  byLabel(namespace: string, value: string): readonly T[] {
    return this.for(namespace)?.byLabel(namespace, value) ?? [];
  }

  /** Another consumer of these caches (see ResilientInformer.subscribe); returns its unsubscribe. */
  subscribe(onChange: ChangeHandler<T>): () => void {
    const unsubscribes = [...this.informers.values()].map((i) => i.subscribe(onChange));
    return () => unsubscribes.forEach((u) => u());
  }

  private for(namespace: string): ResilientInformer<T> | undefined {
    return this.informers.get(ALL_NAMESPACES) ?? this.informers.get(namespace);
  }
}
