// One pod's volumes over its life, kept in sync as the kubelet keeps them: all written when the pod starts,
// and each Secret, ConfigMap or projected volume written again when an object it is made from is added or
// changed (kubelet.ts watches them and says so; a deletion is not passed on, so the volume keeps the
// deleted object's last content, as with the kubelet). Writes of one volume never overlap. Each write reads
// its objects from the API server when it begins, so a burst of changes needs at most one more write, and
// a write never goes back to an older version than one already written.
import type { V1Pod, V1Volume } from '@kubernetes/client-node';
import type { EnvSources } from './container-env.js';
import { materializeVolumes, volumeReferences, volumesReferencing, writeVolume, type SourceKind, type VolumeResult, type VolumeSources } from './volumes.js';

export interface PodVolumesContext {
  /** The Secrets and ConfigMaps of a namespace by name, as the API server has them now (missing ones left out). */
  envSources(namespace: string, refs: { secrets: string[]; configMaps: string[] }): Promise<EnvSources>;
  serviceAccountToken(namespace: string, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
  log(line: string): void;
}

export class PodVolumes {
  private dirs: ReadonlyMap<string, string> | undefined;
  // The first write of every volume, settled either way: rewrites wait for it.
  private mounting: Promise<unknown> = Promise.resolve();
  // Volume name -> its last queued write (which never rejects).
  private readonly writes = new Map<string, Promise<void>>();
  // Volumes with a write queued that has not begun reading its objects yet.
  private readonly due = new Set<string>();
  private readonly tokens = new Map<string, Promise<string>>();
  private stopped = false;

  constructor(
    private readonly pod: V1Pod,
    private readonly podDir: string,
    private readonly context: PodVolumesContext,
  ) {}

  private get label(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  /** Writes every volume of the pod under <podDir>/volumes; volume name -> directory, or what is wrong. */
  mount(): Promise<VolumeResult> {
    const mounted = (async () => {
      const result = await materializeVolumes(this.pod, this.podDir, await this.sources(this.pod.spec?.volumes ?? []));
      if ('dirs' in result) this.dirs = result.dirs;
      return result;
    })();
    this.mounting = mounted.catch(() => undefined);
    return mounted;
  }

  /** Queues a write of each volume made from this Secret or ConfigMap (of the pod's namespace). */
  changed(kind: SourceKind, name: string): void {
    if (this.stopped) return;
    for (const volume of volumesReferencing(this.pod, kind, name)) {
      if (this.due.has(volume.name)) continue;
      this.due.add(volume.name);
      const write = () => this.rewrite(volume, `${kind} "${name}" changed`);
      const next = (this.writes.get(volume.name) ?? this.mounting).then(write, write);
      this.writes.set(volume.name, next);
    }
  }

  private async rewrite(volume: V1Volume, reason: string): Promise<void> {
    this.due.delete(volume.name);
    const dir = this.dirs?.get(volume.name);
    // Never mounted (the pod could not start), or the pod is going away.
    if (this.stopped || dir === undefined) return;
    try {
      const result = await writeVolume(this.pod, volume, dir, await this.sources([volume]));
      if ('error' in result) this.context.log(`${this.label}: ${result.error}; the volume keeps its last content`);
      else if (result.written) this.context.log(`${this.label}: volume ${volume.name} rewritten (${reason})`);
    } catch (error) {
      this.context.log(`${this.label}: could not rewrite volume ${volume.name}, it keeps its last content: ${String(error)}`);
    }
  }

  private async sources(volumes: readonly V1Volume[]): Promise<VolumeSources> {
    const namespace = this.pod.metadata?.namespace ?? '';
    const found = await this.context.envSources(namespace, volumeReferences(volumes));
    return {
      secret: async (name) => found.secrets.get(name),
      configMap: async (name) => found.configMaps.get(name),
      token: (serviceAccount, audience, expirationSeconds) => this.token(namespace, serviceAccount, audience, expirationSeconds),
    };
  }

  /** Requested once per pod: a rewrite of its projected volume (a changed ca.crt) writes the same token again. */
  private token(namespace: string, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const key = JSON.stringify([serviceAccount, audience, expirationSeconds]);
    let token = this.tokens.get(key);
    if (!token) {
      token = this.context.serviceAccountToken(namespace, serviceAccount, audience, expirationSeconds);
      this.tokens.set(key, token);
    }
    return token;
  }

  /** No write begins after this; resolves once the one in flight, if any, is done (the directory may go then). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.writes.values());
  }
}
