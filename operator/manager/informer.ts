// An informer that does not die quietly. @kubernetes/client-node's ListWatch stops for good after any
// watch error other than 410 or a client timeout (for instance while the API server restarts); this
// wrapper restarts it with capped backoff, resuming from the last resourceVersion, and says whether its
// cache has been listed at least once and whether the watch is currently up.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

export interface WatchedResource<T extends KubernetesObject> {
  /** For logs and metrics, e.g. "pods". */
  name: string;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
}

export type ChangeKind = 'add' | 'update' | 'delete';

export interface InformerLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

const BASE_RESTART_MS = 500;
const MAX_RESTART_MS = 30_000;

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private watching = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly resource: WatchedResource<T>,
    onChange: (kind: ChangeKind, object: T) => void,
    private readonly log: InformerLog,
  ) {
    this.informer = new ListWatch<T>(resource.path, new Watch(kubeConfig), resource.list, false, resource.labelSelector, resource.fieldSelector);
    this.informer.on('add', (o) => this.changed('add', o, onChange));
    this.informer.on('update', (o) => this.changed('update', o, onChange));
    this.informer.on('delete', (o) => this.changed('delete', o, onChange));
    this.informer.on('connect', () => (this.watching = true));
    this.informer.on('error', (error) => this.failed(error));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.watching = false;
    await this.informer.stop();
  }

  /** True once a list has succeeded: the cache reflects the cluster (possibly slightly stale). */
  get synced(): boolean {
    return this.informer.latestResourceVersion() !== '';
  }

  /** True while the watch is connected and no restart is pending. */
  get healthy(): boolean {
    return this.synced && this.watching && this.restartTimer === undefined;
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  private changed(kind: ChangeKind, object: T, onChange: (kind: ChangeKind, object: T) => void): void {
    this.failures = 0;
    onChange(kind, object);
  }

  private failed(error: unknown): void {
    this.watching = false;
    if (this.stopped || this.restartTimer !== undefined) return;
    this.failures++;
    const delay = Math.min(BASE_RESTART_MS * 2 ** (this.failures - 1), MAX_RESTART_MS);
    this.log.warn('watch failed; restarting', {
      resource: this.resource.name,
      attempt: this.failures,
      delayMs: delay,
      error: error instanceof Error ? error.message : String(error),
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.informer.start().catch((e: unknown) => this.failed(e));
    }, delay);
  }
}
