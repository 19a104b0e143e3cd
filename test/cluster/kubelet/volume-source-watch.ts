// The Secrets and ConfigMaps that pods' volumes are made from, watched once per cluster for all its fake
// nodes (one watch per node would multiply the API server's fan-out and the harness's memory by the
// nodes). An added or changed object is told to every subscribed kubelet, whose running pods of that
// namespace write again the volumes made from it. A deleted one is not told: its last content stays in
// those volumes, as with the kubelet.
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import type { SourceKind } from './volumes.js';
import { restartOnError } from './restart-on-error.js';

export type VolumeSourceListener = (kind: SourceKind, namespace: string, name: string) => void;

export class VolumeSourceWatch {
  private readonly listeners = new Set<VolumeSourceListener>();
  private readonly informers: ListWatch<V1Secret | V1ConfigMap>[] = [];
  private stopped = false;

  private constructor(private readonly log: (line: string) => void) {}

  static async start(kc: KubeConfig, log: (line: string) => void): Promise<VolumeSourceWatch> {
    const watch = new VolumeSourceWatch(log);
    const core = kc.makeApiClient(CoreV1Api);
    const secrets = new ListWatch<V1Secret>('/api/v1/secrets', new Watch(kc), () => core.listSecretForAllNamespaces(), false);
    const configMaps = new ListWatch<V1ConfigMap>('/api/v1/configmaps', new Watch(kc), () => core.listConfigMapForAllNamespaces(), false);
    for (const [kind, informer] of [
      ['secret', secrets],
      ['configmap', configMaps],
    ] as [SourceKind, ListWatch<V1Secret | V1ConfigMap>][]) {
      const changed = (object: V1Secret | V1ConfigMap) => {
        for (const listener of watch.listeners) listener(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
      };
      informer.on('add', changed);
      informer.on('update', changed);
      restartOnError(informer, kind, (line) => watch.log(line), () => watch.stopped);
      watch.informers.push(informer);
      await informer.start();
    }
    return watch;
  }


  /** Calls `listener` for every added or changed Secret or ConfigMap; returns the unsubscribe. */
  subscribe(listener: VolumeSourceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listeners.clear();
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }
}
