// A whole local cluster: control plane, pod network and fake nodes whose kubelet the harness plays.
// Whatever happens (a failed start, a failing test, SIGINT/SIGTERM, even SIGKILL of its owner) it is torn
// down: processes stopped, namespaces and bridge removed, its directory deleted.
import { KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinnedVersions, binaryDir, type PinnedVersions } from './binaries.js';
import { auditLogPath, startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
import { processRuntime, type ContainerRuntime, type RuntimeKind } from './kubelet/container-runtime.js';
import { FakeKubelet } from './kubelet/kubelet.js';
import { VolumeSourceWatch } from './kubelet/volume-source-watch.js';
import { startNetworkPolicies, type NetworkPolicyEnforcement } from './network-policy.js';
import { podDirectory } from './kubelet/pod-runner.js';
import { logTo } from '../support/log-tail.js';
import { PodmanRuntime } from './kubelet/podman-runtime.js';
import { PodNetwork } from './pod-network.js';
import { ServiceNetwork } from './service-network.js';
import { StandInHub, withStandIns } from './stand-in/hub-client.js';
import { armTeardownGuard } from './teardown-guard.js';

export interface ClusterOptions {
  /** Names of the fake nodes; default one node, r4-node-1. */
  nodes?: string[];
  /** Pods each fake node takes; default 1000, at most 1022 (a node's bridge). More pods: more nodes. */
  podCapacity?: number;
  /** Working directory (created, and removed on stop); default a fresh r4-cluster-* under the temp dir. */
  dir?: string;
  /**
   * How the kubelet runs containers: 'process' (local programs, see kubelet/programs.ts) or 'podman' (the
   * images scripts/image/build.sh builds, see kubelet/podman-runtime.ts). Default: $R4_KUBELET_RUNTIME, else 'process'.
   */
  runtime?: RuntimeKind;
  /**
   * Enforce NetworkPolicies with kube-router's firewall controller (network-policy.ts). Default: only when
   * $R4_NETWORK_POLICIES is 1, since it programs the machine's firewall (one such cluster at a time).
   */
  networkPolicies?: boolean;
  /**
   * Serve pods of image r4-stand-in from one stand-in hub process (stand-in/hub.ts): pods that answer the
   * attestation protocol as real ones do, at a cost a thousand of them fit in. Process runtime only.
   */
  standIns?: boolean;
  /** The API server's audit log for these users (control-plane.ts); its path is LocalCluster.auditLog. */
  auditLog?: ControlPlaneOptions['auditLog'];
  /** Raised client rate limits for kube-controller-manager and kube-scheduler (control-plane.ts). */
  clientQps?: ControlPlaneOptions['clientQps'];
}

export interface LocalCluster {
  /** Holds the PKI, etcd's data, the kubeconfig and logs/ (components, kubelets, pod containers). */
  dir: string;
  kubeconfigPath: string;
  kc: KubeConfig;
  versions: PinnedVersions;
  /** The directory with the pinned kubectl and helm. */
  binDir: string;
  network: PodNetwork;
  nodes: string[];
  /** What runs the pods' containers: kind 'process', or 'podman' (a PodmanRuntime). */
  runtime: ContainerRuntime;
  /** The stand-in hub, when the cluster was started with standIns: tamper with and heal stand-in pods. */
  standIns?: StandInHub;
  /** The audit log's path (JSON lines), when the cluster was started with auditLog. */
  auditLog?: string;
  /** The directory of a running pod (by its uid) on this machine: its volumes are in volumes/<name>. */
  podDir(uid: string): string;
  /** Stops kube-apiserver and starts it again on the same address, as an upgrade or a crash would. */
  restartApiServer(): Promise<void>;
  /** Stops etcd and starts it again on the same address and data, as a crash of the storage would. */
  restartEtcd(): Promise<void>;
  /** The network namespace of a running pod (by its uid), for faults injected into its network; undefined if none runs here. */
  podNetns(uid: string): string | undefined;
  stop(): Promise<void>;
}

// Clusters of this process that are still up, for the signal handlers.
const active = new Set<() => Promise<void>>();
const signalGraceMs = 15_000;

let handlersInstalled = false;
/**
 * On SIGINT/SIGTERM/SIGHUP, tear down gracefully (pods get their SIGTERM), then die of the signal. If the
 * teardown hangs, dying is enough: the processes go with us (parent-death signal) and the teardown
 * guard removes the rest. Under jest these handlers never fire (test code sees a copy of `process`);
 * there the guard alone does the job.
 */
function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const graceful = Promise.allSettled([...active].map((stop) => stop()));
      const deadline = new Promise((resolve) => setTimeout(resolve, signalGraceMs).unref());
      void Promise.race([graceful, deadline]).then(() => process.kill(process.pid, signal));
    });
  }
}

function runtimeKind(options: ClusterOptions): RuntimeKind {
  const kind = options.runtime ?? (process.env.R4_KUBELET_RUNTIME || 'process');
  if (kind !== 'process' && kind !== 'podman') throw new Error(`unknown kubelet runtime "${kind}" (R4_KUBELET_RUNTIME): use process or podman`);
  return kind;
}

export async function startCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  installSignalHandlers();
  const kind = runtimeKind(options);
  const versions = pinnedVersions();
  const nodes = options.nodes ?? ['r4-node-1'];
  const enforcePolicies = options.networkPolicies ?? process.env.R4_NETWORK_POLICIES === '1';
  let dir: string;
  if (options.dir) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    dir = options.dir;
  } else {
    dir = mkdtempSync(join(tmpdir(), 'r4-cluster-'));
  }
  let network: PodNetwork;
  try {
    network = await PodNetwork.create({ pid: process.pid, dir }, { nodeBridges: !enforcePolicies });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const guard = armTeardownGuard({ slot: network.slot, ownerPid: process.pid, dir });
  let controlPlane: ControlPlane | undefined;
  let services: ServiceNetwork | undefined;
  let runtime: ContainerRuntime | undefined;
  let policies: NetworkPolicyEnforcement | undefined;
  let volumeSources: VolumeSourceWatch | undefined;
  const kubelets: FakeKubelet[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await policies?.stop();
      await Promise.all(kubelets.map((k) => k.stop()));
      await volumeSources?.stop();
      await runtime?.close();
      await services?.stop();
      await controlPlane?.stop();
      await network.destroy();
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      guard.disarm();
      active.delete(stop);
    })());
  active.add(stop);
  try {
    controlPlane = await startControlPlane(dir, { auditLog: options.auditLog, clientQps: options.clientQps });
    const kc = new KubeConfig();
    kc.loadFromFile(controlPlane.kubeconfigPath);
    const logDir = join(dir, 'logs');
    const podsDir = join(dir, 'pods');
    services = await ServiceNetwork.start(kc, network.gateway, new URL(kc.getCurrentCluster()?.server ?? ''), logTo(join(logDir, 'service-network.log')));
    runtime = kind === 'podman' ? await PodmanRuntime.create({ clusterDir: dir, log: logTo(join(logDir, 'container-runtime.log')) }) : processRuntime;
    volumeSources = await VolumeSourceWatch.start(kc, logTo(join(logDir, 'volume-sources.log')));
    let standIns: StandInHub | undefined;
    if (options.standIns) {
      if (kind !== 'process') throw new Error('stand-in pods (standIns: true) need the process runtime');
      standIns = await StandInHub.start(join(logDir, 'stand-in-hub.log'));
      runtime = withStandIns(runtime, standIns);
    }
    for (const nodeName of nodes) {
      kubelets.push(
        await FakeKubelet.start({ kc, nodeName, kubernetesVersion: versions.kubernetes, network, services, logDir, podsDir, runtime, volumeSources, podCapacity: options.podCapacity }),
      );
    }
    // After the nodes: kube-router looks its Node up once, when it starts.
    if (enforcePolicies) {
      policies = await startNetworkPolicies({ kubeconfigPath: controlPlane.kubeconfigPath, nodeName: nodes[0] ?? 'r4-node-1', bridges: network.bridges, logDir });
    }
    return {
      dir,
      kubeconfigPath: controlPlane.kubeconfigPath,
      kc,
      versions,
      binDir: binaryDir(versions),
      network,
      nodes,
      runtime,
      ...(standIns && { standIns }),
      ...(options.auditLog && { auditLog: auditLogPath(dir) }),
      podDir: (uid) => podDirectory(podsDir, uid),
      restartApiServer: () => (controlPlane as ControlPlane).restartApiServer(),
      restartEtcd: () => (controlPlane as ControlPlane).restartEtcd(),
      podNetns: (uid) => kubelets.map((k) => k.podNetns(uid)).find((netns) => netns !== undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
