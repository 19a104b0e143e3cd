// The soak's continuous check: every transition a pod goes through must be observed by the operator and
// reflected in the pod's gate and in the EndpointSlices, in time. With its own watches (pods and
// EndpointSlices, every namespace) it counts missed transitions:
//   - a tampered pod (an image that must never be attested) not cordoned within 2 intervals of Running
//   - a new pod not attested within interval + 5 s of Running
//   - a deleted pod still a ready endpoint 5 s after its deletion began
// "Running" is the pod's phase Running with its service accepting connections on its port (the checker
// connects to find out): on a loaded machine the service can take seconds to listen after its process
// starts, and no operator can attest a pod that does not answer yet. Both clocks are kept: the latencies
// from the phase alone are printed too. A pod deleted before its deadline owes nothing. A transition not
// seen even after 10 intervals is also counted as lost: on a shared, overloaded machine a miss of the
// deadlines above can be the machine's, a lost transition cannot. Shared by
// test/chaos/soak.test.ts (3 minutes, CI) and bench/operator/soak.ts (`npm run bench:soak`, 30 minutes).
import { connect } from 'node:net';
import { CoreV1Api, DiscoveryV1Api, type KubeConfig, type V1EndpointSlice, type V1Pod } from '@kubernetes/client-node';
import { APPLIANCE_LABEL, ATTESTED_CONDITION, CORDONED_LABEL } from '../../api/v1alpha1/labels.js';
import { ResilientInformer } from '../../operator/manager/informer.js';

export interface TransitionOptions {
  kc: KubeConfig;
  /** The appliances' attestation interval. */
  intervalMs: number;
  /** Repository names of images whose pods must be cordoned (tampered fixtures). */
  tamperedImages: readonly string[];
  /** Slack after Running for a new pod to be attested; default 5 s. */
  attestSlackMs?: number;
  /** How long a deleted pod may stay a ready endpoint; default 5 s. */
  deletedGraceMs?: number;
}

export interface Miss {
  at: string;
  pod: string;
  what: string;
}

interface Tracked {
  key: string;
  tampered: boolean;
  /** Phase Running, every container running. */
  runningAt?: number;
  /** Its service accepts connections: the clock of the deadlines starts here. */
  listeningAt?: number;
  /** When the awaited gate was first seen (True for a healthy pod, False for a tampered one). */
  settledAt?: number;
  deletedAt?: number;
  missed: boolean;
  lost: boolean;
  /** Owes no start-up deadline (a pod of the initial fleet); its deletion still counts. */
  exempt?: boolean;
}

const imageName = (image: string) => (image.split('@')[0]?.split('/').pop() ?? '').split(':')[0] ?? '';
const attested = (pod: V1Pod) => pod.status?.conditions?.find((c) => c.type === ATTESTED_CONDITION)?.status === 'True';
const cordoned = (pod: V1Pod) => pod.metadata?.labels?.[CORDONED_LABEL] === 'true';
const running = (pod: V1Pod) => pod.status?.phase === 'Running' && (pod.status.containerStatuses ?? []).every((c) => c.state?.running);
const LISTEN_POLL_MS = 250;
const LISTEN_GIVE_UP_MS = 120_000;

/** Whether something accepts a TCP connection at host:port within 500 ms. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** A transition not seen after this many intervals is lost, not merely late. */
const LOST_AFTER_INTERVALS = 10;

export class TransitionChecker {
  /** Transitions later than the deadlines (the soak's missed transitions). */
  readonly misses: Miss[] = [];
  /** Transitions not seen at all within LOST_AFTER_INTERVALS intervals. */
  readonly lost: Miss[] = [];
  /** Running (listening) -> attested (healthy) and -> cordoned (tampered), ms. */
  readonly attestLatencies: number[] = [];
  readonly cordonLatencies: number[] = [];
  /** The same from the phase Running alone (the service's start-up included), ms. */
  readonly attestFromPhase: number[] = [];
  readonly cordonFromPhase: number[] = [];
  private readonly pods = new Map<string, Tracked>();
  private readonly slices: ResilientInformer<V1EndpointSlice>;
  private readonly podWatch: ResilientInformer<V1Pod>;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly attestSlackMs: number;
  private readonly deletedGraceMs: number;

  private constructor(private readonly options: TransitionOptions) {
    this.attestSlackMs = options.attestSlackMs ?? 5000;
    this.deletedGraceMs = options.deletedGraceMs ?? 5000;
    const core = options.kc.makeApiClient(CoreV1Api);
    const discovery = options.kc.makeApiClient(DiscoveryV1Api);
    const quiet = { info: () => undefined, warn: () => undefined };
    this.podWatch = new ResilientInformer<V1Pod>(
      options.kc,
      { name: 'pods', path: '/api/v1/pods', labelSelector: APPLIANCE_LABEL, list: () => core.listPodForAllNamespaces({ labelSelector: APPLIANCE_LABEL }) },
      (kind, pod) => this.podChanged(kind, pod),
      quiet,
    );
    this.slices = new ResilientInformer<V1EndpointSlice>(
      options.kc,
      { name: 'endpointslices', path: '/apis/discovery.k8s.io/v1/endpointslices', list: () => discovery.listEndpointSliceForAllNamespaces() },
      () => this.check(),
      quiet,
    );
  }

  static async start(options: TransitionOptions): Promise<TransitionChecker> {
    const checker = new TransitionChecker(options);
    await checker.podWatch.start();
    await checker.slices.start();
    checker.timer = setInterval(() => checker.check(), 500);
    return checker;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.podWatch.stop(), this.slices.stop()] as Promise<void>[]);
  }

  /** Pods seen so far, and how many of them were tampered. */
  readonly seen = { pods: 0, tampered: 0 };

  private podChanged(kind: string, pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const now = Date.now();
    let tracked = this.pods.get(uid);
    if (!tracked) {
      tracked = { key: `${pod.metadata?.namespace}/${pod.metadata?.name}`, tampered: (pod.spec?.containers ?? []).some((c) => this.options.tamperedImages.includes(imageName(c.image ?? ''))), missed: false, lost: false };
      this.pods.set(uid, tracked);
      this.seen.pods++;
      if (tracked.tampered) this.seen.tampered++;
    }
    if ((kind === 'delete' || pod.metadata?.deletionTimestamp) && tracked.deletedAt === undefined) tracked.deletedAt = now;
    if (tracked.deletedAt !== undefined) return;
    if (tracked.runningAt === undefined && running(pod) && pod.status?.podIP) {
      tracked.runningAt = now;
      void this.awaitListening(tracked, pod.status.podIP, pod.spec?.containers[0]?.ports?.[0]?.containerPort ?? 8080);
    }
    if (tracked.runningAt !== undefined && tracked.settledAt === undefined && (tracked.tampered ? cordoned(pod) : attested(pod))) {
      tracked.settledAt = now;
      (tracked.tampered ? this.cordonFromPhase : this.attestFromPhase).push(now - tracked.runningAt);
      if (tracked.listeningAt !== undefined) (tracked.tampered ? this.cordonLatencies : this.attestLatencies).push(now - tracked.listeningAt);
    }
    this.check();
  }

  /** Connects to the pod's port until it accepts (or the pod goes, or 2 minutes pass): its listeningAt. */
  private async awaitListening(tracked: Tracked, ip: string, port: number): Promise<void> {
    const giveUpAt = Date.now() + LISTEN_GIVE_UP_MS;
    while (!this.stopped && tracked.deletedAt === undefined && Date.now() < giveUpAt) {
      const at = Date.now();
      if (await accepts(ip, port)) {
        tracked.listeningAt = at;
        // Settled before the connection was seen (the operator was quicker than this poll): no wait at all.
        if (tracked.settledAt !== undefined) (tracked.tampered ? this.cordonLatencies : this.attestLatencies).push(Math.max(0, tracked.settledAt - at));
        return;
      }
      await new Promise((r) => setTimeout(r, LISTEN_POLL_MS));
    }
  }

  private miss(tracked: Tracked, what: string, overdueMs: number): void {
    const lostAfter = LOST_AFTER_INTERVALS * this.options.intervalMs;
    if (!tracked.missed) {
      tracked.missed = true;
      this.misses.push({ at: new Date().toISOString(), pod: tracked.key, what });
    }
    if (!tracked.lost && overdueMs > lostAfter) {
      tracked.lost = true;
      this.lost.push({ at: new Date().toISOString(), pod: tracked.key, what: `${what}, nor within ${lostAfter / 1000} s more` });
    }
  }

  private check(): void {
    const now = Date.now();
    const { intervalMs } = this.options;
    for (const tracked of this.pods.values()) {
      if (tracked.exempt || tracked.listeningAt === undefined || tracked.settledAt !== undefined || tracked.deletedAt !== undefined) continue;
      const deadline = tracked.listeningAt + (tracked.tampered ? 2 * intervalMs : intervalMs + this.attestSlackMs);
      if (now > deadline) {
        const since = `of Running (listening; the phase was ${(tracked.listeningAt - (tracked.runningAt ?? tracked.listeningAt)) / 1000} s earlier)`;
        this.miss(tracked, tracked.tampered ? `tampered, not cordoned within 2 intervals (${2 * intervalMs} ms) ${since}` : `not attested within interval + ${this.attestSlackMs / 1000} s (${intervalMs + this.attestSlackMs} ms) ${since}`, now - deadline);
      }
    }
    for (const slice of this.slices.list()) {
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready !== true) continue;
        const tracked = this.pods.get(endpoint.targetRef?.uid ?? '');
        if (tracked?.deletedAt !== undefined && now - tracked.deletedAt > this.deletedGraceMs) {
          this.miss(tracked, `deleted, still a ready endpoint of ${slice.metadata?.namespace}/${slice.metadata?.name} after ${now - tracked.deletedAt} ms`, now - tracked.deletedAt - this.deletedGraceMs);
        }
      }
    }
  }

  /**
   * The pods there are now owe no start-up deadline: the soak counts the transitions of its churn, and a
   * whole fleet starting at once is bench:operator's figure (all attested within interval + 5 s).
   */
  exemptExisting(): number {
    for (const tracked of this.pods.values()) tracked.exempt = true;
    return this.pods.size;
  }

  /** Forgets pods gone for good, so a long soak holds only the live ones (and the misses). */
  prune(olderThanMs = 60_000): void {
    const now = Date.now();
    for (const [uid, tracked] of this.pods) if (tracked.deletedAt !== undefined && now - tracked.deletedAt > olderThanMs) this.pods.delete(uid);
  }
}
