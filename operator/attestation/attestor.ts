// Attests every running pod of every appliance on the appliance's interval: probes run through one
// global concurrency limit, verdicts are kept per pod, changes raise Events, and a round that changed a
// verdict asks for the appliance to be reconciled (which shows the verdicts on pods and in the status). The
// controller schedules an appliance when it sees it (with the target its spec resolves to) and
// unschedules it when it is deleted.
//
// Evidence the pod does not control comes first: the image digest the kubelet reports must be one in
// force, before the pod is asked anything. Then each probe carries a fresh nonce and the pod and container
// the kubelet reports; the answer must be signed for exactly those.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { reportedDigest } from '../../api/v1alpha1/image.js';
import { ATTESTED_CONDITION } from '../../api/v1alpha1/labels.js';
import type { AttestationReason } from '../../api/v1alpha1/verdicts.js';
import { NONCE_BYTES } from '../../contracts/attestation.js';
import { CONTAINER_NAME } from '../../cdk8s/entropy-workload.js';
import type { Logger } from '../log.js';
import { ConcurrencyLimit, probeAttestation, type ProbeTarget } from './probe.js';
import { untilNextRoundMs } from './round-phase.js';
import { attest, attestationEvents, PENDING, type KeyBinding, type PodAttestation, type ProbeOutcome } from './verdict.js';

export interface PodRecord {
  attestation: PodAttestation;
  lastChecked?: string;
  /** When the pod was last found cordoned after not being cordoned (for eviction grace). */
  cordonedSince?: number;
  /** Its container was not ready yet at the last probe. */
  checkedStarting?: boolean;
}

export interface AttestationTarget {
  expectedCoreSha256: string;
  /** The image digests a pod may run: the one in force, and during a rollout the one before it. */
  imageDigests: readonly string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

/** How to talk to an appliance's pods: TLS with the name and CA to verify, or plain HTTP. */
export type PodTrust = { tls: false } | { tls: true; servername: string; ca?: string };

export interface AttestorDeps {
  /** The appliance's own pods (those of its ReplicaSets) from the informer cache. */
  pods(applianceKey: string): readonly V1Pod[];
  /** How the appliance's pods are reached now; undefined while it is not known yet (no probe then). */
  trust(applianceKey: string): PodTrust | undefined;
  /** The key binding the appliance's status recorded for a pod (after an operator restart). */
  recordedBinding(pod: V1Pod): KeyBinding | undefined;
  /** A round is over; `changed`: some pod's verdict, failure count or key binding differs from before it. */
  roundFinished(applianceKey: string, changed: boolean): void;
  event(pod: V1Pod, applianceKey: string, event: { reason: string; type: 'Normal' | 'Warning'; message: string }): void;
  outcome(verdict: string, reason: string): void;
  /** A pod's verdict differs from its previous one; `reason` is the new verdict's. */
  verdictChanged(applianceKey: string, change: { from: string; to: string; reason: string }): void;
  /** How long one probe over the network took (a pod refused on its image digest is not asked). */
  probed(applianceKey: string, seconds: number): void;
  limit: ConcurrencyLimit;
  /** Where the pods answer (CONTAINER_PORT). */
  port: number;
  log: Logger;
}

/** A pod is probed only once it runs with an address and is not going away. */
export function probeable(pod: V1Pod): pod is V1Pod & { status: { podIP: string } } {
  return pod.status?.phase === 'Running' && Boolean(pod.status.podIP) && !pod.metadata?.deletionTimestamp;
}

/** The entropy container's status as the kubelet reports it. */
export function entropyContainer(pod: V1Pod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
}

/** After an operator restart, a pod's last verdict is read back from its gate condition, its key binding from the status. */
export function attestationFromPod(pod: V1Pod, binding: KeyBinding | undefined): PodAttestation {
  const gate = pod.status?.conditions?.find((c) => c.type === ATTESTED_CONDITION);
  if (!gate || gate.reason === PENDING.reason) return { ...PENDING, ...(binding && { binding }) };
  return {
    verdict: gate.status === 'True' ? 'Attested' : 'Cordoned',
    reason: (gate.reason ?? 'Unreachable') as AttestationReason,
    message: gate.message ?? '',
    consecutiveFailures: 0,
    ...(binding && { binding }),
  };
}

export class Attestor {
  private readonly records = new Map<string, PodRecord>();
  private readonly schedules = new Map<string, { timer: NodeJS.Timeout; target: AttestationTarget }>();
  private readonly running = new Set<string>();
  /** Pods with a probe in flight (by uid): a round and a pod's own probe never ask it twice at once. */
  private readonly inFlight = new Set<string>();
  private stopped = false;

  constructor(private readonly deps: AttestorDeps) {}

  /** The pod's current record; a pod never seen before starts from what its condition says. */
  record(pod: V1Pod): PodRecord {
    const uid = pod.metadata?.uid ?? '';
    let record = this.records.get(uid);
    if (!record) {
      const attestation = attestationFromPod(pod, this.deps.recordedBinding(pod));
      record = { attestation, ...(attestation.verdict === 'Cordoned' && { cordonedSince: Date.now() }) };
      this.records.set(uid, record);
    }
    return record;
  }

  forgetPod(uid: string): void {
    this.records.delete(uid);
  }

  /**
   * Keeps one repeating round per appliance at its target's interval, at the appliance's own phase in it
   * (round-phase.ts). A new target takes effect at the next round; a changed interval reschedules (and
   * probes at once).
   */
  schedule(applianceKey: string, target: AttestationTarget): void {
    const current = this.schedules.get(applianceKey);
    if (this.stopped) return;
    if (current?.target.intervalSeconds === target.intervalSeconds) {
      current.target = target;
      return;
    }
    if (current) clearTimeout(current.timer);
    const intervalMs = target.intervalSeconds * 1000;
    const entry = {
      target,
      timer: setTimeout(() => {
        entry.timer = setInterval(() => void this.round(applianceKey), intervalMs);
        void this.round(applianceKey);
      }, untilNextRoundMs(applianceKey, intervalMs, Date.now())),
    };
    this.schedules.set(applianceKey, entry);
    void this.round(applianceKey);
  }

  unschedule(applianceKey: string): void {
    const current = this.schedules.get(applianceKey);
    if (current) clearTimeout(current.timer);
    this.schedules.delete(applianceKey);
  }

  /**
   * A pod changed: it is probed at once, alone, instead of at the next round (whether or not a round of
   * its appliance is under way), when it has just started running, or when its container has just become
   * ready and it is not attested (a service still starting at the first probe does not wait an interval).
   */
  podChanged(applianceKey: string, pod: V1Pod): void {
    if (!probeable(pod)) return;
    const record = this.record(pod);
    const nowReady = entropyContainer(pod)?.ready === true && record.checkedStarting === true && record.attestation.verdict !== 'Attested';
    if (record.lastChecked === undefined || nowReady) this.probePod(applianceKey, pod);
  }

  private probePod(applianceKey: string, pod: V1Pod): void {
    const target = this.schedules.get(applianceKey)?.target;
    if (this.stopped || !target) return;
    void this.probeOne(applianceKey, pod, target).then((changed) => {
      if (changed && !this.stopped) this.deps.roundFinished(applianceKey, true);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.schedules.keys()]) this.unschedule(key);
  }

  private async round(applianceKey: string): Promise<void> {
    const target = this.schedules.get(applianceKey)?.target;
    if (this.stopped || this.running.has(applianceKey) || !target) return;
    this.running.add(applianceKey);
    let changed = false;
    try {
      const judged = await Promise.all(this.deps.pods(applianceKey).map((pod) => this.probeOne(applianceKey, pod, target)));
      changed = judged.includes(true);
    } catch (error) {
      this.deps.log.error('attestation round failed', { appliance: applianceKey, error: (error as Error).message });
    } finally {
      this.running.delete(applianceKey);
    }
    if (!this.stopped) this.deps.roundFinished(applianceKey, changed);
  }

  /** Probes and judges one pod (unless it is not probeable yet, or already being probed); true when its attestation changed. */
  private async probeOne(applianceKey: string, pod: V1Pod, target: AttestationTarget): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    const containerId = entropyContainer(pod)?.containerID;
    const trust = this.deps.trust(applianceKey);
    if (!probeable(pod) || !containerId || !trust || this.inFlight.has(uid)) return false;
    this.inFlight.add(uid);
    try {
      const outcome = await this.deps.limit.run(() => this.probe(pod, applianceKey, containerId, target, trust), applianceKey);
      return this.judge(pod, applianceKey, target, containerId, outcome);
    } finally {
      this.inFlight.delete(uid);
    }
  }

  private async probe(pod: V1Pod & { status: { podIP: string } }, applianceKey: string, containerId: string, target: AttestationTarget, trust: PodTrust): Promise<ProbeOutcome> {
    const digest = reportedDigest(entropyContainer(pod)?.imageID);
    if (!digest || !target.imageDigests.includes(digest)) {
      const inForce = target.imageDigests.join(' or ');
      return { kind: 'rejected', reason: 'ImageDigestMismatch', message: `the kubelet reports image ${digest ?? 'without a digest'}; the appliance runs ${inForce}` };
    }
    const probeTarget: ProbeTarget = {
      host: pod.status.podIP,
      port: this.deps.port,
      ...(trust.tls && { tls: { servername: trust.servername, ...(trust.ca !== undefined && { ca: trust.ca }) } }),
    };
    const request = { nonce: randomBytes(NONCE_BYTES).toString('hex'), podUid: pod.metadata?.uid ?? '', containerId };
    const started = process.hrtime.bigint();
    const outcome = await probeAttestation(probeTarget, request, target.timeoutSeconds * 1000);
    this.deps.probed(applianceKey, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  /** Records the probe's verdict; true when the pod's attestation is not what it was. */
  private judge(pod: V1Pod, applianceKey: string, target: AttestationTarget, containerId: string, outcome: ProbeOutcome): boolean {
    const record = this.record(pod);
    const previous = record.attestation;
    const starting = entropyContainer(pod)?.ready !== true;
    const next = attest(outcome, { expectedCoreSha256: target.expectedCoreSha256, failureThreshold: target.failureThreshold, containerId, starting }, previous);
    record.attestation = next;
    record.lastChecked = new Date().toISOString();
    record.checkedStarting = starting;
    if (next.verdict === 'Cordoned' && previous.verdict !== 'Cordoned') record.cordonedSince = Date.now();
    if (next.verdict !== 'Cordoned') delete record.cordonedSince;
    this.deps.outcome(next.verdict, next.reason);
    if (next.verdict !== previous.verdict) this.deps.verdictChanged(applianceKey, { from: previous.verdict, to: next.verdict, reason: next.reason });
    for (const event of attestationEvents(previous, next)) {
      this.deps.event(pod, applianceKey, event);
      this.deps.log.info('attestation changed', { pod: pod.metadata?.name, appliance: applianceKey, event: event.reason, message: event.message });
    }
    return !isDeepStrictEqual(previous, next);
  }
}
