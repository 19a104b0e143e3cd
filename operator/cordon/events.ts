// Kubernetes Events for what a person should see (PodAttested, PodCordoned, HashMismatch, Unreachable,
// Evicted, ...) recorded on the pod and on its appliance, so both `kubectl describe` views tell the story;
// and the appliance's own (CertificateIssued).
// Recording is best effort: a lost Event must never stop attestation. Each (object, reason) gets a burst,
// then one per five minutes (event-filter.ts); an appliance's PodAttested copies are told once for the pods
// attested within a second (one round), so a thousand pods starting do not make a thousand Events on it.
import type { CoreV1Api, V1ObjectReference } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import { describeError, type Logger } from '../log.js';
import { EventSpamFilter } from './event-filter.js';

export interface EventInput {
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
}

export const COMPONENT = 'r4-operator';

/** How long an appliance's PodAttested copies are gathered before they are told in one Event. */
export const ATTESTED_BATCH_MS = 1_000;
/** Pods named in one batched Event; the rest are counted. */
const NAMED_PODS = 20;

export class EventRecorder {
  private readonly filter = new EventSpamFilter();
  /** Per appliance (namespace/name): the pods attested since the batch began, and the message. */
  private readonly attested = new Map<string, { pods: string[]; message: string }>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: Logger,
  ) {}

  forPod(pod: { name: string; namespace: string; uid?: string }, applianceName: string, event: EventInput): void {
    const podRef: V1ObjectReference = { apiVersion: 'v1', kind: 'Pod', name: pod.name, namespace: pod.namespace, ...(pod.uid && { uid: pod.uid }) };
    void this.record(podRef, event);
    if (event.reason === 'PodAttested') {
      this.batchAttested(pod.namespace, applianceName, pod.name, event.message);
      return;
    }
    const applianceRef: V1ObjectReference = { apiVersion: API_VERSION, kind: KIND, name: applianceName, namespace: pod.namespace };
    void this.record(applianceRef, { ...event, message: `pod ${pod.name}: ${event.message}` });
  }

  /** One Event on the appliance for the pods attested together: "pod a: …" for one (the dashboard's history reads it), "3 pods attested: a, b, c" for more. */
  private batchAttested(namespace: string, applianceName: string, podName: string, message: string): void {
    const key = `${namespace}/${applianceName}`;
    const batch = this.attested.get(key);
    if (batch) {
      batch.pods.push(podName);
      return;
    }
    this.attested.set(key, { pods: [podName], message });
    setTimeout(() => {
      const { pods } = this.attested.get(key) ?? { pods: [] };
      this.attested.delete(key);
      const named = pods.slice(0, NAMED_PODS).join(', ') + (pods.length > NAMED_PODS ? `, and ${pods.length - NAMED_PODS} more` : '');
      const text = pods.length === 1 ? `pod ${pods[0]}: ${message}` : `${pods.length} pods attested: ${named}`;
      void this.record({ apiVersion: API_VERSION, kind: KIND, name: applianceName, namespace }, { reason: 'PodAttested', type: 'Normal', message: text });
    }, ATTESTED_BATCH_MS).unref();
  }

  forAppliance(appliance: { name: string; namespace: string }, event: EventInput): void {
    void this.record({ apiVersion: API_VERSION, kind: KIND, name: appliance.name, namespace: appliance.namespace }, event);
  }

  private async record(ref: V1ObjectReference, event: EventInput): Promise<void> {
    const now = new Date();
    const namespace = ref.namespace ?? 'default';
    if (!this.filter.allow(`${ref.kind}/${namespace}/${ref.name}/${event.reason}`)) {
      this.log.debug('Event not recorded: too many of its kind on the object', { reason: event.reason, object: `${ref.kind}/${ref.name}` });
      return;
    }
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${ref.name}.`, namespace },
          involvedObject: ref,
          reason: event.reason,
          type: event.type,
          message: event.message.slice(0, 1024),
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          reportingInstance: COMPONENT,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (error) {
      this.log.warn('could not record an Event', { reason: event.reason, object: `${ref.kind}/${ref.name}`, error: describeError(error) });
    }
  }
}
