// Attests every running pod of every appliance on the appliance's interval: probes run through one
// global concurrency limit, verdicts are kept per pod, changes raise Events, and each finished round
// asks for the appliance to be reconciled (which shows the verdicts on pods and in the status). The
// controller schedules an appliance when it sees it (with the target its spec resolves to) and
// unschedules it when it is deleted.
import type { V1Pod } from '@kubernetes/client-node';
import { ATTESTED_CONDITION } from '../../api/v1alpha1/labels.js';
import type { AttestationReason } from '../../api/v1alpha1/verdicts.js';
import { CONTAINER_PORT } from '../../cdk8s/entropy-workload.js';
import type { Logger } from '../log.js';
import { ConcurrencyLimit, probeVersion } from './probe.js';
import { attest, attestationEvents, PENDING, type PodAttestation, type ProbeOutcome } from './verdict.js';

export interface PodRecord {
  attestation: PodAttestation;
  lastChecked?: string;
  /** When the pod was last found cordoned after not being cordoned (for eviction grace). */
  cordonedSince?: number;
}

export interface AttestationTarget {
  expectedCoreSha256: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export interface AttestorDeps {
  /** The appliance's pods from the informer cache. */
  pods(applianceKey: string): readonly V1Pod[];
  roundFinished(applianceKey: string): void;
  event(pod: V1Pod, applianceKey: string, event: { reason: string; type: 'Normal' | 'Warning'; message: string }): void;
  outcome(verdict: string, reason: string): void;
  limit: ConcurrencyLimit;
  log: Logger;
}

/** A pod is probed only once it runs with an address and is not going away. */
export function probeable(pod: V1Pod): pod is V1Pod & { status: { podIP: string } } {
  return pod.status?.phase === 'Running' && Boolean(pod.status.podIP) && !pod.metadata?.deletionTimestamp;
}

/** After an operator restart, a pod's last verdict is read back from its gate condition. */
export function attestationFromPod(pod: V1Pod): PodAttestation {
  const gate = pod.status?.conditions?.find((c) => c.type === ATTESTED_CONDITION);
  if (!gate || gate.reason === PENDING.reason) return PENDING;
  return {
    verdict: gate.status === 'True' ? 'Attested' : 'Cordoned',
    reason: (gate.reason ?? 'Unreachable') as AttestationReason,
    message: gate.message ?? '',
    consecutiveFailures: 0,
  };
}

export class Attestor {
  private readonly records = new Map<string, PodRecord>();
  private readonly schedules = new Map<string, { timer: NodeJS.Timeout; target: AttestationTarget }>();
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(private readonly deps: AttestorDeps) {}

  /** The pod's current record; a pod never seen before starts from what its condition says. */
  record(pod: V1Pod): PodRecord {
    const uid = pod.metadata?.uid ?? '';
    let record = this.records.get(uid);
    if (!record) {
      const attestation = attestationFromPod(pod);
      record = { attestation, ...(attestation.verdict === 'Cordoned' && { cordonedSince: Date.now() }) };
      this.records.set(uid, record);
    }
    return record;
  }

  forgetPod(uid: string): void {
    this.records.delete(uid);
  }

  /**
   * Keeps one repeating round per appliance at its target's interval. A new target takes effect at the
   * next round; a changed interval reschedules (and probes at once).
   */
  schedule(applianceKey: string, target: AttestationTarget): void {
    const current = this.schedules.get(applianceKey);
    if (this.stopped) return;
    if (current?.target.intervalSeconds === target.intervalSeconds) {
      current.target = target;
      return;
    }
    if (current) clearInterval(current.timer);
    const timer = setInterval(() => void this.round(applianceKey), target.intervalSeconds * 1000);
    this.schedules.set(applianceKey, { timer, target });
    void this.round(applianceKey);
  }

  unschedule(applianceKey: string): void {
    const current = this.schedules.get(applianceKey);
    if (current) clearInterval(current.timer);
    this.schedules.delete(applianceKey);
  }

  /** Probes at once (a pod just started running) instead of waiting for the next interval. */
  probeSoon(applianceKey: string): void {
    if (this.schedules.has(applianceKey)) void this.round(applianceKey);
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.schedules.keys()]) this.unschedule(key);
  }

  private async round(applianceKey: string): Promise<void> {
    const target = this.schedules.get(applianceKey)?.target;
    if (this.stopped || this.running.has(applianceKey) || !target) return;
    this.running.add(applianceKey);
    try {
      const pods = this.deps.pods(applianceKey).filter(probeable);
      await Promise.all(
        pods.map(async (pod) => {
          const outcome = await this.deps.limit.run(() => probeVersion(pod.status.podIP, CONTAINER_PORT, target.timeoutSeconds * 1000));
          this.judge(pod, applianceKey, target, outcome);
        }),
      );
    } catch (error) {
      this.deps.log.error('attestation round failed', { appliance: applianceKey, error: (error as Error).message });
    } finally {
      this.running.delete(applianceKey);
    }
    if (!this.stopped) this.deps.roundFinished(applianceKey);
  }

  private judge(pod: V1Pod, applianceKey: string, target: AttestationTarget, outcome: ProbeOutcome): void {
    const record = this.record(pod);
    const previous = record.attestation;
    const next = attest(outcome, target.expectedCoreSha256, target.failureThreshold, previous);
    record.attestation = next;
    record.lastChecked = new Date().toISOString();
    if (next.verdict === 'Cordoned' && previous.verdict !== 'Cordoned') record.cordonedSince = Date.now();
    if (next.verdict !== 'Cordoned') delete record.cordonedSince;
    this.deps.outcome(next.verdict, next.reason);
    for (const event of attestationEvents(previous, next)) {
      this.deps.event(pod, applianceKey, event);
      this.deps.log.info('attestation changed', { pod: pod.metadata?.name, appliance: applianceKey, event: event.reason, message: event.message });
    }
  }
}
