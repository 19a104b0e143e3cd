// A Node that the harness plays the kubelet for: registered Ready with room for any test workload (a
// thousand pods unless told otherwise), and kept alive by renewing its Lease in kube-node-lease, as the
// kubelet does every 10 s.
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1Node,
} from '@kubernetes/client-node';
import { release } from 'node:os';
import { retry } from '../../support/backoff.js';

const fakeNodeLabel = 'r4.dev/fake-node';
const leaseDurationSeconds = 40;
const renewIntervalMs = 10_000;

/** Pods a fake node takes unless told otherwise. */
export const defaultPodCapacity = 1000;

export function fakeNode(name: string, hostIP: string, kubeletVersion: string, podCapacity = defaultPodCapacity): V1Node {
  const capacity = { cpu: '64', memory: '256Gi', pods: String(podCapacity), 'ephemeral-storage': '1Ti' };
  const now = new Date();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        [fakeNodeLabel]: 'true',
      },
    },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'the r4 cluster harness plays this node\'s kubelet'),
      ],
      addresses: [
        { type: 'InternalIP', address: hostIP },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        machineID: name,
        systemUUID: name,
        bootID: name,
        kernelVersion: release(),
        osImage: 'r4 cluster harness',
        containerRuntimeVersion: 'local-process://1',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

const asMergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Creates the Node, writes its status (create may drop status) and clears its taints. The API server's
 * TaintNodesByCondition admission taints every new Node node.kubernetes.io/not-ready:NoSchedule; in a
 * real cluster the node-lifecycle controller lifts it once the node is Ready, but that controller is
 * off here (see control-plane.ts), so the harness lifts it. Returns the stored Node.
 */
export async function registerNode(kc: KubeConfig, node: V1Node): Promise<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = node.metadata!.name!;
  await retry(() => core.createNode({ body: node }), 3);
  await retry(() => core.patchNodeStatus({ name, body: { status: node.status } }, asMergePatch), 3);
  return retry(() => core.patchNode({ name, body: { spec: { taints: [] } } }, asMergePatch), 3);
}

export interface LeaseRenewal {
  stop(): void;
}

/** Renews kube-node-lease/<node> every 10 s; a failed renewal is retried at the next tick. */
export async function startLeaseRenewal(kc: KubeConfig, node: V1Node, log: (line: string) => void): Promise<LeaseRenewal> {
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const name = node.metadata!.name!;
  const lease: V1Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds, renewTime: new V1MicroTime() },
  };
  await retry(() => coordination.createNamespacedLease({ namespace: 'kube-node-lease', body: lease }), 5);
  const timer = setInterval(() => {
    coordination
      .patchNamespacedLease(
        { name, namespace: 'kube-node-lease', body: { spec: { renewTime: new V1MicroTime() } } },
        asMergePatch,
      )
      .catch((error: unknown) => log(`lease ${name} not renewed, retrying in ${renewIntervalMs / 1000}s: ${String(error)}`));
  }, renewIntervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
