// What a watcher is told about the resource it caches and what it tells its consumers; shared by the
// informer, its reflector and its store.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

export interface WatchedResource<T extends KubernetesObject> {
  /** For logs and metrics, e.g. "pods". */
  name: string;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object before it is cached (slim.ts): keep only what the operator reads. */
  transform?: (object: T) => T;
  /** A label whose value `byLabel` looks up without scanning the namespace. */
  indexLabel?: string;
}

export type ChangeKind = 'add' | 'update' | 'delete';

export type ChangeHandler<T> = (kind: ChangeKind, object: T) => void;

export interface InformerLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}
