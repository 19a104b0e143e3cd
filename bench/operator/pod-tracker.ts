// When each pod of a namespace was first seen Running and first seen attested (its r4.dev/attested gate
// True), from a watch: event times as the bench observes them, not the seconds-rounded times in status.
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ATTESTED_CONDITION } from '../../api/v1alpha1/labels.js';

export interface PodTimes {
  name: string;
  uid: string;
  image: string;
  runningAt?: number;
  attestedAt?: number;
  deleted?: boolean;
}

const running = (pod: V1Pod) => pod.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.state?.running !== undefined;
const attested = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === ATTESTED_CONDITION && c.status === 'True') ?? false;

export class PodTracker {
  readonly pods = new Map<string, PodTimes>();
  private request: { abort(): void } | undefined;
  private stopped = false;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
  ) {}

  static async start(kc: KubeConfig, namespace: string): Promise<PodTracker> {
    const tracker = new PodTracker(kc, namespace);
    await tracker.watch();
    return tracker;
  }

  private seen(type: string, pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const now = Date.now();
    const times = this.pods.get(uid) ?? { name: pod.metadata?.name ?? '', uid, image: pod.spec?.containers[0]?.image ?? '' };
    this.pods.set(uid, times);
    if (type === 'DELETED' || pod.metadata?.deletionTimestamp) times.deleted = true;
    if (times.runningAt === undefined && running(pod)) times.runningAt = now;
    if (times.attestedAt === undefined && attested(pod)) times.attestedAt = now;
  }

  // A watch that ends (the server's timeout) starts again; its replay of ADDED events changes no first time.
  private async watch(): Promise<void> {
    if (this.stopped) return;
    this.request = await new Watch(this.kc).watch(
      `/api/v1/namespaces/${this.namespace}/pods`,
      {},
      (type: string, pod: V1Pod) => this.seen(type, pod),
      () => void this.watch().catch(() => undefined),
    );
  }

  live(): PodTimes[] {
    return [...this.pods.values()].filter((p) => !p.deleted);
  }

  stop(): void {
    this.stopped = true;
    this.request?.abort();
  }
}
