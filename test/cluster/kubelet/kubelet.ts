// The kubelet of one fake node, played by the harness: registers the Node and renews its Lease, watches
// the pods bound to it, runs them (PodRunner), writes their status as the kubelet would (pod-status.ts)
// and finishes their deletion. Work for one pod is serialized; pods proceed independently. It also follows
// the cluster's Secrets and ConfigMaps (volume-source-watch.ts), so the volumes made from them follow
// their changes in running pods.
import {
  ApiException,
  CoreV1Api,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type V1ConfigMap,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { logTo } from '../../support/log-tail.js';
import type { PodNetwork } from '../pod-network.js';
import type { ServiceNetwork } from '../service-network.js';
import type { EnvSources } from './container-env.js';
import type { ContainerRuntime } from './container-runtime.js';
import { defaultPodCapacity, fakeNode, registerNode, startLeaseRenewal, type LeaseRenewal } from './fake-node.js';
import { PodRunner } from './pod-runner.js';
import { desiredPodStatus, statusDiffers, statusPatch } from './pod-status.js';
import type { VolumeSourceWatch } from './volume-source-watch.js';
import type { SourceKind } from './volumes.js';
import { restartOnError } from './restart-on-error.js';

export interface KubeletOptions {
  kc: KubeConfig;
  nodeName: string;
  kubernetesVersion: string;
  network: PodNetwork;
  services: ServiceNetwork;
  /** Pod container logs go here; the kubelet's own log is <logDir>/kubelet-<node>.log. */
  logDir: string;
  /** Each pod's own directory (volumes, fixtures) goes below this one (pod-runner.ts, podDirectory). */
  podsDir: string;
  /** Runs the pods' containers; the process runtime when not given. */
  runtime?: ContainerRuntime;
  /** The cluster's one watch of Secrets and ConfigMaps. */
  volumeSources: VolumeSourceWatch;
  /** Pods the Node takes (its capacity); default 1000, at most maxPodCapacity (its bridge's ports). */
  podCapacity?: number;
}

/** A bridge takes 1,024 ports; one goes to the trunk, and one is kept spare. */
export const maxPodCapacity = 1022;

const asStrategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const defaultGraceSeconds = 30;

const isNotFound = (error: unknown) => error instanceof ApiException && error.code === 404;

export class FakeKubelet {
  private readonly core: CoreV1Api;
  private readonly runners = new Map<string, PodRunner>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly log: (line: string) => void;
  private informer: ListWatch<V1Pod> | undefined;
  private unsubscribe: () => void = () => undefined;
  private lease: LeaseRenewal | undefined;
  private bridge = '';
  private stopped = false;
  // Consecutive failures per pod, for the backoff of retries.
  private readonly failures = new Map<string, number>();

  private constructor(private readonly options: KubeletOptions) {
    this.core = options.kc.makeApiClient(CoreV1Api);
    this.log = logTo(`${options.logDir}/kubelet-${options.nodeName}.log`);
  }

  static async start(options: KubeletOptions): Promise<FakeKubelet> {
    const capacity = options.podCapacity ?? defaultPodCapacity;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > maxPodCapacity) {
      throw new Error(`pod capacity ${capacity} of node ${options.nodeName}: give 1 to ${maxPodCapacity} (a node's bridge takes no more pods); use more nodes for more pods`);
    }
    const kubelet = new FakeKubelet(options);
    kubelet.bridge = await options.network.addNodeBridge();
    const node = await registerNode(options.kc, fakeNode(options.nodeName, options.network.gateway, options.kubernetesVersion, capacity));
    kubelet.lease = await startLeaseRenewal(options.kc, node, (line) => kubelet.log(line));
    kubelet.unsubscribe = options.volumeSources.subscribe((kind, namespace, name) => kubelet.volumeSourceChanged(kind, namespace, name));
    await kubelet.watchPods();
    return kubelet;
  }


  /** A Secret or ConfigMap was added or changed: the running pods of its namespace write their volumes again. */
  private volumeSourceChanged(kind: SourceKind, namespace: string, name: string): void {
    for (const runner of this.runners.values()) {
      if (runner.pod.metadata?.namespace === namespace) runner.sourceChanged(kind, name);
    }
  }

  private async watchPods(): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.options.nodeName}`;
    const informer = new ListWatch<V1Pod>(
      '/api/v1/pods',
      new Watch(this.options.kc),
      () => this.core.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    const enqueue = (pod: V1Pod) => this.enqueue(pod.metadata?.uid ?? '', pod);
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    restartOnError(informer, 'pod', (line) => this.log(line), () => this.stopped);
    this.informer = informer;
    await informer.start();
  }

  /** Runs `sync` for a pod after any work already queued for it. */
  private enqueue(uid: string, seen: V1Pod): void {
    if (!uid || this.stopped) return;
    const previous = this.queues.get(uid) ?? Promise.resolve();
    const next = previous
      .then(() => this.sync(uid, seen))
      .catch((error: unknown) => this.log(`sync of pod ${seen.metadata?.namespace}/${seen.metadata?.name} failed: ${String(error)}`));
    this.queues.set(uid, next);
    void next.then(() => {
      if (this.queues.get(uid) === next) this.queues.delete(uid);
    });
  }

  /** The pod as the informer holds it now, or undefined once it is gone from the API. */
  private current(seen: V1Pod): V1Pod | undefined {
    const pod = this.informer?.get(seen.metadata?.name ?? '', seen.metadata?.namespace);
    return pod && pod.metadata?.uid === seen.metadata?.uid ? pod : undefined;
  }

  private async sync(uid: string, seen: V1Pod): Promise<void> {
    if (this.stopped) return;
    const pod = this.current(seen);
    let runner = this.runners.get(uid);
    if (!pod) {
      // Deleted from the API (force-deleted, or our own final delete): just clean up locally.
      if (runner) await this.forget(uid, runner, 0);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      const graceSeconds = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? defaultGraceSeconds;
      if (runner) await this.forget(uid, runner, graceSeconds * 1000);
      await this.finishDeletion(pod);
      return;
    }
    if (!runner) {
      runner = new PodRunner(pod, {
        network: this.options.network,
        bridge: this.bridge,
        services: this.options.services,
        hostIP: this.options.network.gateway,
        logDir: this.options.logDir,
        podsDir: this.options.podsDir,
        envSources: (namespace, refs) => this.envSources(namespace, refs),
        serviceAccountToken: async (namespace, serviceAccount, audience, expirationSeconds) => {
          const request = await this.core.createNamespacedServiceAccountToken({
            name: serviceAccount,
            namespace,
            body: { spec: { audiences: audience ? [audience] : [], expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name, uid: pod.metadata?.uid } } },
          });
          return request.status?.token ?? '';
        },
        changed: () => this.enqueue(uid, pod),
        log: (line) => this.log(line),
        runtime: this.options.runtime,
      });
      this.runners.set(uid, runner);
      this.log(`starting pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
      try {
        await runner.start();
      } catch (error) {
        // The pod's sandbox could not be made (network namespace, veth): undo, and try again later.
        this.runners.delete(uid);
        await runner.stop(0);
        this.retryLater(pod, 'start', error);
        return;
      }
    }
    runner.pod = pod;
    await this.writeStatus(pod, runner);
  }

  private async forget(uid: string, runner: PodRunner, graceMs: number): Promise<void> {
    this.runners.delete(uid);
    this.failures.delete(uid);
    await runner.stop(graceMs);
    this.log(`stopped pod ${runner.pod.metadata?.namespace}/${runner.pod.metadata?.name}`);
  }

  private async writeStatus(pod: V1Pod, runner: PodRunner): Promise<void> {
    const desired = desiredPodStatus(pod, runner.observation(), new Date());
    if (!statusDiffers(pod.status, desired)) return;
    const { name, namespace, uid = '' } = pod.metadata ?? {};
    try {
      await this.core.patchNamespacedPodStatus(
        { name: name ?? '', namespace: namespace ?? '', body: { metadata: { uid }, status: statusPatch(desired) } },
        asStrategicMerge,
      );
      this.failures.delete(uid);
    } catch (error) {
      if (!isNotFound(error)) this.retryLater(pod, 'write the status of', error);
    }
  }

  /** Syncs the pod again after a pause that doubles with each consecutive failure, up to 30 s. */
  private retryLater(pod: V1Pod, what: string, error: unknown): void {
    const { name, namespace, uid = '' } = pod.metadata ?? {};
    const failures = this.failures.get(uid) ?? 0;
    this.failures.set(uid, failures + 1);
    const delay = Math.min(1000 * 2 ** failures, 30_000);
    this.log(`could not ${what} pod ${namespace}/${name}, retrying in ${delay / 1000}s: ${String(error)}`);
    void sleep(delay).then(() => this.enqueue(uid, pod));
  }

  /** Without a kubelet a pod would stay Terminating forever: the kubelet's last word is a grace-0 delete. */
  private async finishDeletion(pod: V1Pod): Promise<void> {
    const { name, namespace, uid } = pod.metadata ?? {};
    try {
      await this.core.deleteNamespacedPod({
        name: name ?? '',
        namespace: namespace ?? '',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
      this.log(`deleted pod ${namespace}/${name}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async envSources(namespace: string, refs: { secrets: string[]; configMaps: string[] }): Promise<EnvSources> {
    const fetchAll = async <T>(names: string[], read: (name: string) => Promise<T>) => {
      const found = new Map<string, T>();
      for (const name of names) {
        try {
          found.set(name, await read(name));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      return found;
    };
    return {
      secrets: await fetchAll<V1Secret>(refs.secrets, (name) => this.core.readNamespacedSecret({ name, namespace })),
      configMaps: await fetchAll<V1ConfigMap>(refs.configMaps, (name) => this.core.readNamespacedConfigMap({ name, namespace })),
    };
  }

  /** The network namespace of a pod running on this node (by its uid), once it has one. */
  podNetns(uid: string): string | undefined {
    return this.runners.get(uid)?.netnsName;
  }

  /** Stops watching and renewing, and every pod's processes and namespace; API objects are left as they are. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.lease?.stop();
    this.unsubscribe();
    await this.informer?.stop();
    await Promise.allSettled(this.queues.values());
    await Promise.all([...this.runners.values()].map((runner) => runner.stop(5000)));
    this.runners.clear();
  }
}
