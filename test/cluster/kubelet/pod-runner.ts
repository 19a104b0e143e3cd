// One pod on a fake node: its volumes (pod-volumes.ts), its network namespace (the "sandbox") and its
// containers. It knows nothing of the API server; the kubelet reads `observation()` and writes the status.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { PodNetwork } from '../pod-network.js';
import { noServicesAnnotation, type ServiceNetwork } from '../service-network.js';
import type { EnvSources } from './container-env.js';
import { ContainerRunner, creatingStatus } from './container-runner.js';
import type { ContainerRuntime } from './container-runtime.js';
import type { PodObservation } from './pod-status.js';
import { imageName, standInProgram } from './programs.js';
import { PodVolumes } from './pod-volumes.js';
import type { SourceKind } from './volumes.js';

export interface PodRunnerContext {
  network: PodNetwork;
  /** The node's bridge, which the pod's sandbox is plugged into. */
  bridge: string;
  /** Service ClusterIPs and names inside the pod (kube-proxy and DNS stand-in). */
  services: ServiceNetwork;
  hostIP: string;
  logDir: string;
  /** Each pod gets a directory below this one for its volumes and fixtures; removed when it stops. */
  podsDir: string;
  envSources(namespace: string, refs: { secrets: string[]; configMaps: string[] }): Promise<EnvSources>;
  serviceAccountToken(namespace: string, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string>;
  changed(): void;
  log(line: string): void;
  /** Runs the containers; the process runtime when not given. */
  runtime?: ContainerRuntime;
}

/** The pod's own directory: its volumes are in volumes/<name>. */
export function podDirectory(podsDir: string, uid: string): string {
  // Short, because the pod's emptyDir /tmp is below it and the service's Unix socket path in /tmp may hold
  // at most 107 bytes: the uid's first 13 characters are unique enough within one cluster.
  return join(podsDir, uid.slice(0, 13));
}

/**
 * Whether the pod gets Service rules and a hosts file. Stand-in pods (image r4-stand-in) only answer, and
 * the rules of every attached pod are rewritten on each Service change: a thousand of them would keep a
 * core busy for nothing.
 */
export function usesServices(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.[noServicesAnnotation] === 'true') return false;
  return !(pod.spec?.containers ?? []).every((c) => imageName(c.image ?? '') === standInProgram.image);
}

export class PodRunner {
  private netns: { netns: string; ip: string } | undefined;
  private servicesAttached = false;
  private containers: ContainerRunner[] = [];
  private waitingStatuses: V1ContainerStatus[];
  private readonly startTime = new Date();
  private readonly podDir: string;
  private readonly volumes: PodVolumes;

  constructor(
    public pod: V1Pod,
    private readonly context: PodRunnerContext,
  ) {
    this.podDir = podDirectory(context.podsDir, pod.metadata?.uid ?? '');
    this.volumes = new PodVolumes(pod, this.podDir, context);
    this.waitingStatuses = (pod.spec?.containers ?? []).map(creatingStatus);
  }

  /** The pod's network namespace (its sandbox), once made. */
  get netnsName(): string | undefined {
    return this.netns?.netns;
  }

  /** The pod as its processes see it: with the addresses a kubelet would already know. */
  private podWithAddresses(): V1Pod {
    return { ...this.pod, status: { ...this.pod.status, podIP: this.netns?.ip, hostIP: this.context.hostIP } };
  }

  private cannotStart(message: string): void {
    this.waitingStatuses = this.waitingStatuses.map((s) => ({ ...s, state: { waiting: { reason: 'CreateContainerConfigError', message } } }));
    this.context.log(`${this.pod.metadata?.namespace}/${this.pod.metadata?.name}: ${message}`);
    this.context.changed();
  }

  async start(): Promise<void> {
    if ((this.pod.spec?.initContainers ?? []).length > 0) {
      this.cannotStart('init containers are not run by the r4 cluster harness (test/cluster/kubelet)');
      return;
    }
    const namespace = this.pod.metadata?.namespace ?? '';
    const materialized = await this.volumes.mount();
    if ('error' in materialized) {
      this.cannotStart(`MountVolume failed: ${materialized.error}`);
      return;
    }
    const sandbox = await this.context.network.addPod(this.context.bridge);
    this.netns = sandbox;
    if (usesServices(this.pod)) {
      await this.context.services.attach(sandbox.netns, { name: this.pod.metadata?.name ?? '', namespace, ip: sandbox.ip });
      this.servicesAttached = true;
    }
    this.containers = (this.pod.spec?.containers ?? []).map(
      (spec) =>
        new ContainerRunner(spec, {
          netns: sandbox.netns,
          podIP: sandbox.ip,
          logDir: this.context.logDir,
          podDir: this.podDir,
          volumeDirs: materialized.dirs,
          pod: () => this.podWithAddresses(),
          envSources: this.context.envSources,
          changed: this.context.changed,
          log: this.context.log,
          runtime: this.context.runtime,
        }),
    );
    this.context.changed();
    await Promise.all(this.containers.map((c) => c.start()));
  }

  /** A Secret or ConfigMap of the pod's namespace was added or changed: its volumes follow. */
  sourceChanged(kind: SourceKind, name: string): void {
    this.volumes.changed(kind, name);
  }

  observation(): PodObservation {
    return {
      podIP: this.netns?.ip,
      hostIP: this.context.hostIP,
      startTime: this.startTime,
      containerStatuses: this.containers.length > 0 ? this.containers.map((c) => c.status) : this.waitingStatuses,
    };
  }

  /** Stops every container (SIGTERM, SIGKILL after the grace period), then removes the namespace. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.containers.map((c) => c.stop(graceMs)), this.volumes.stop()]);
    if (this.netns) {
      if (this.servicesAttached) await this.context.services.detach(this.netns.netns);
      this.servicesAttached = false;
      await this.context.network.removePod(this.netns.netns);
    }
    this.netns = undefined;
    await rm(this.podDir, { recursive: true, force: true });
  }
}
