// LIST once, then WATCH for as long as the process runs, the way client-go's reflector does, instead of
// client-node's ListWatch (which never asks for bookmarks, lets its Watch abort after 30 s of silence, and
// stops for good on most errors):
// - each watch asks for bookmarks and a server-side timeout of 5 to 10 minutes (jittered, so a fleet of
//   watches does not reconnect in step); when it ends it resumes from the last resourceVersion seen, which
//   the bookmarks keep fresh even for a quiet resource, so a watch end costs one WATCH and never a LIST;
// - it re-LISTs only when the API server says that resourceVersion is gone (410: compacted, or older than
//   its watch cache, e.g. after it restarted);
// - any other failure is retried from the same resourceVersion after a capped exponential backoff.
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ChangeKind, InformerLog, WatchedResource } from './resource.js';
import type { ObjectStore } from './store.js';

/** Counts what a reflector does, for `r4_operator_watch_restarts_total` and `r4_operator_watch_relists_total`. */
export interface WatchObserver {
  /** A watch ended (server timeout, error or lost connection) and another one starts. */
  watchRestarted(resource: string): void;
  /** The cache was listed again after the first time (only after a 410). */
  relisted(resource: string): void;
}

export interface ReflectorTiming {
  /** The server-side timeout each watch asks for, drawn uniformly in [min, max] seconds. */
  watchTimeoutSeconds: { min: number; max: number };
  /**
   * How long a watch may stay silent before the client gives up on its connection. The API server sends a
   * bookmark about every minute (its cacher's bookmark frequency), so this must be well above 60 s, or a
   * quiet watch is torn down and re-opened every time, as client-node's 30 s default does.
   */
  inactivityMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A watch that ends sooner than this having delivered nothing counts as a failure (no tight loop). */
  shortWatchMs: number;
  random: () => number;
}

export const DEFAULT_TIMING: ReflectorTiming = {
  watchTimeoutSeconds: { min: 300, max: 600 },
  inactivityMs: 90_000,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
  shortWatchMs: 1_000,
  random: Math.random,
};

type WatchEnd = 'closed' | 'expired';

interface StatusObject {
  code?: number;
  reason?: string;
  message?: string;
}

const isGone = (error: unknown) => {
  const e = error as { statusCode?: unknown; code?: unknown } | undefined;
  return e?.statusCode === 410 || e?.code === 410;
};

/** client-node's Watch with a longer inactivity timeout; refuses to build if a client upgrade renamed the field. */
function patientWatch(kubeConfig: KubeConfig, inactivityMs: number): Watch {
  const watch = new Watch(kubeConfig);
  if (typeof (watch as unknown as { requestTimeoutMs?: unknown }).requestTimeoutMs !== 'number') {
    throw new Error("@kubernetes/client-node's Watch no longer has requestTimeoutMs: check its inactivity timeout before upgrading");
  }
  Object.assign(watch, { requestTimeoutMs: inactivityMs });
  return watch;
}

export class Reflector<T extends KubernetesObject> {
  private readonly watch: Watch;
  private resourceVersion = '';
  /** Bumped by start and stop: a loop whose generation is stale has been stopped and applies nothing more. */
  private generation = 0;
  private request: AbortController | undefined;
  private wake: (() => void) | undefined;
  private failures = 0;
  private watches = 0;
  private lists = 0;
  private connected = false;
  private backingOff = false;
  private listedOnce: () => void = () => undefined;
  /** Resolves when a LIST first succeeds. */
  readonly firstListed = new Promise<void>((resolve) => (this.listedOnce = resolve));

  constructor(
    kubeConfig: KubeConfig,
    private readonly resource: WatchedResource<T>,
    private readonly store: ObjectStore<T>,
    private readonly emit: (kind: ChangeKind, object: T) => void,
    private readonly log: InformerLog,
    private readonly observer: WatchObserver | undefined,
    private readonly timing: ReflectorTiming = DEFAULT_TIMING,
  ) {
    this.watch = patientWatch(kubeConfig, timing.inactivityMs);
  }

  /** Starts the loop; resolves once the first LIST has succeeded or failed (it is retried either way). */
  start(): Promise<void> {
    const generation = ++this.generation;
    this.backingOff = false;
    return new Promise((firstListDone) => {
      void this.run(generation, firstListDone);
    });
  }

  stop(): void {
    this.generation++;
    this.connected = false;
    this.request?.abort();
    this.request = undefined;
    this.wake?.();
  }

  /** A LIST has succeeded at least once. */
  get listed(): boolean {
    return this.lists > 0;
  }

  /** A watch is connected and no retry is waiting. */
  get watching(): boolean {
    return this.connected && !this.backingOff;
  }

  private async run(generation: number, firstListDone: () => void): Promise<void> {
    const live = () => generation === this.generation;
    while (live()) {
      try {
        if (this.resourceVersion === '') await this.relist(live);
        firstListDone();
        if (!live()) return;
        const end = await this.watchOnce(live);
        if (end === 'expired') this.resourceVersion = '';
      } catch (error) {
        firstListDone();
        if (!live()) return;
        if (isGone(error)) {
          this.resourceVersion = '';
          continue;
        }
        await this.backOff(error, live);
      }
    }
  }

  private async relist(live: () => boolean): Promise<void> {
    if (this.lists > 0) this.observer?.relisted(this.resource.name);
    const list = await this.resource.list();
    if (!live()) return;
    const transform = this.resource.transform ?? ((o: T) => o);
    for (const change of this.store.replace(list.items.map(transform))) this.emit(change.kind, change.object);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.lists++;
    this.failures = 0;
    this.listedOnce();
  }

  private watchOnce(live: () => boolean): Promise<WatchEnd> {
    const { min, max } = this.timing.watchTimeoutSeconds;
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.round(min + this.timing.random() * (max - min)),
      labelSelector: this.resource.labelSelector,
      fieldSelector: this.resource.fieldSelector,
    };
    if (this.watches++ > 0) this.observer?.watchRestarted(this.resource.name);
    const opened = Date.now();
    let delivered = false;
    let expired = false;
    let failure: StatusObject | undefined;
    return new Promise<WatchEnd>((resolve, reject) => {
      let ended = false;
      const onEvent = (phase: string, object: unknown) => {
        if (!live()) return;
        if (phase === 'ERROR') {
          const status = object as StatusObject;
          if (status.code === 410) expired = true;
          else failure = status;
          return;
        }
        delivered = true;
        this.failures = 0;
        this.apply(phase, object as T);
      };
      const onDone = (error: unknown) => {
        ended = true;
        this.connected = false;
        if (expired || isGone(error)) return resolve('expired');
        const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
        if (error && !timedOut) return reject(error);
        if (failure) return reject(new Error(`the watch ended with ${failure.code ?? '?'} ${failure.reason ?? ''}: ${failure.message ?? ''}`));
        if (!timedOut && !delivered && Date.now() - opened < this.timing.shortWatchMs) return reject(new Error('the API server closed the watch at once'));
        resolve('closed');
      };
      this.watch
        .watch(this.resource.path, query, onEvent, onDone)
        .then((request) => {
          if (ended) return;
          if (!live()) return request.abort();
          this.request = request;
          this.connected = true;
        })
        .catch(reject);
    });
  }

  private apply(phase: string, raw: T): void {
    const version = raw.metadata?.resourceVersion;
    if (phase === 'BOOKMARK') {
      if (version) this.resourceVersion = version;
      return;
    }
    const object = this.resource.transform ? this.resource.transform(raw) : raw;
    if (phase === 'DELETED') {
      const previous = this.store.delete(object);
      if (previous) this.emit('delete', object);
    } else if (phase === 'ADDED' || phase === 'MODIFIED') {
      const kind = this.store.upsert(object);
      if (kind) this.emit(kind, object);
    }
    if (version) this.resourceVersion = version;
  }

  private async backOff(error: unknown, live: () => boolean): Promise<void> {
    this.failures++;
    const delay = Math.min(this.timing.baseBackoffMs * 2 ** (this.failures - 1), this.timing.maxBackoffMs);
    this.log.warn('watch failed; restarting', {
      resource: this.resource.name,
      attempt: this.failures,
      delayMs: delay,
      error: error instanceof Error ? error.message : String(error),
    });
    this.backingOff = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    if (live()) this.backingOff = false;
  }
}
