// An informer that does not die quietly: a reflector (reflector.ts) keeps a cache of one resource up to
// date with one long-lived watch, restarting it with capped backoff and re-listing only on 410; this
// says whether the cache has been listed at least once and whether the watch is currently up, and lets
// more than one consumer share the cache (the leader's controller and every replica's dashboard).
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { DEFAULT_TIMING, Reflector, type ReflectorTiming, type WatchObserver } from './reflector.js';
import type { ChangeHandler, ChangeKind, InformerLog, WatchedResource } from './resource.js';
import { ObjectStore } from './store.js';

export type { ChangeHandler, ChangeKind, InformerLog, WatchedResource } from './resource.js';

export class ResilientInformer<T extends KubernetesObject> {
  private readonly store: ObjectStore<T>;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<ChangeHandler<T>>();

  constructor(
    kubeConfig: KubeConfig,
    resource: WatchedResource<T>,
    onChange: ChangeHandler<T>,
    log: InformerLog,
    observer?: WatchObserver,
    timing: ReflectorTiming = DEFAULT_TIMING,
  ) {
    this.handlers.add(onChange);
    this.store = new ObjectStore<T>(resource.indexLabel);
    this.reflector = new Reflector(kubeConfig, resource, this.store, (kind, object) => this.changed(kind, object), log, observer, timing);
  }

  /** Lists, then watches; resolves once the first list has succeeded or failed (the reflector retries). */
  async start(): Promise<void> {
    await this.reflector.start();
  }

  /** Stops at once: an answer still on its way is dropped, never applied. */
  stop(): Promise<void> {
    this.reflector.stop();
    return Promise.resolve();
  }

  /**
   * Another consumer of the same cache: it is first told of every object already cached (as 'add'), then
   * of every change, until the returned function is called.
   */
  subscribe(onChange: ChangeHandler<T>): () => void {
    for (const object of this.store.list()) onChange('add', object);
    this.handlers.add(onChange);
    return () => this.handlers.delete(onChange);
  }

  /** True once a list has succeeded: the cache reflects the cluster (possibly slightly stale). */
  get synced(): boolean {
    return this.reflector.listed;
  }

  /** Resolves once a list has succeeded (it may never, if the API server stays away). */
  untilSynced(): Promise<void> {
    return this.reflector.firstListed;
  }

  /** True while the watch is connected and no restart is pending. */
  get healthy(): boolean {
    return this.synced && this.reflector.watching;
  }

  list(namespace?: string): readonly T[] {
    return this.store.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(name, namespace);
  }

  /** The objects of a namespace whose `indexLabel` has this value. */
  byLabel(namespace: string, value: string): readonly T[] {
    return this.store.byLabel(namespace, value);
  }

  private changed(kind: ChangeKind, object: T): void {
    for (const handler of this.handlers) handler(kind, object);
  }
}
