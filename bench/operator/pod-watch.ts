// A program of its own, spawned by pod-tracker.ts: watches the pods of one namespace and writes one JSON
// line per change (PodSeen), stamped with when this process saw it. Its own process, so the stamps are
// not late when the bench's process is busy playing every node's kubelet (a watch there fell minutes
// behind at 100 pods, and a poll by kubectl took minutes at 1,000). Exits when the bench goes (IPC).
import { CoreV1Api, KubeConfig, ListWatch, Watch, type V1Pod } from '@kubernetes/client-node';
import { ATTESTED_CONDITION } from '../../api/v1alpha1/labels.js';
import { restartOnError } from '../../test/cluster/kubelet/restart-on-error.js';

export interface PodSeen {
  at: number;
  uid: string;
  name: string;
  image: string;
  /** Running with its container started. */
  running: boolean;
  /** Its r4.dev/attested gate True. */
  attested: boolean;
  deleted: boolean;
}

const [kubeconfigPath, namespace] = process.argv.slice(2);
if (!kubeconfigPath || !namespace) throw new Error('usage: pod-watch.js <kubeconfig> <namespace>');
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);
let stopped = false;
process.on('disconnect', () => {
  stopped = true;
  process.exit(0);
});

const write = (pod: V1Pod, deleted: boolean) => {
  const seen: PodSeen = {
    at: Date.now(),
    uid: pod.metadata?.uid ?? '',
    name: pod.metadata?.name ?? '',
    image: pod.spec?.containers[0]?.image ?? '',
    running: pod.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.state?.running !== undefined,
    attested: pod.status?.conditions?.some((c) => c.type === ATTESTED_CONDITION && c.status === 'True') ?? false,
    deleted: deleted || pod.metadata?.deletionTimestamp !== undefined,
  };
  process.stdout.write(`${JSON.stringify(seen)}\n`);
};
const informer = new ListWatch<V1Pod>(`/api/v1/namespaces/${namespace}/pods`, new Watch(kc), () => core.listNamespacedPod({ namespace }), false);
informer.on('add', (pod) => write(pod, false));
informer.on('update', (pod) => write(pod, false));
informer.on('delete', (pod) => write(pod, true));
restartOnError(informer, 'pod', (line) => process.stderr.write(`pod-watch: ${line}\n`), () => stopped);
await informer.start();
process.stdout.write('synced\n');
