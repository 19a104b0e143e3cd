// Kubernetes Events for what a person should see (PodAttested, PodCordoned, HashMismatch, Unreachable,
// Evicted, ...) recorded on the pod and on its appliance, so both `kubectl describe` views tell the story;
// and the appliance's own (CertificateIssued).
// Recording is best effort: a lost Event must never stop attestation.
import type { CoreV1Api, V1ObjectReference } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/v1alpha1/group.js';
import { describeError, type Logger } from '../log.js';

export interface EventInput {
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
}

export const COMPONENT = 'r4-operator';

export class EventRecorder {
  constructor(
    private readonly core: CoreV1Api,
    private readonly log: Logger,
  ) {}

  forPod(pod: { name: string; namespace: string; uid?: string }, applianceName: string, event: EventInput): void {
    const podRef: V1ObjectReference = { apiVersion: 'v1', kind: 'Pod', name: pod.name, namespace: pod.namespace, ...(pod.uid && { uid: pod.uid }) };
    const applianceRef: V1ObjectReference = { apiVersion: API_VERSION, kind: KIND, name: applianceName, namespace: pod.namespace };
    void this.record(podRef, event);
    void this.record(applianceRef, { ...event, message: `pod ${pod.name}: ${event.message}` });
  }

  forAppliance(appliance: { name: string; namespace: string }, event: EventInput): void {
    void this.record({ apiVersion: API_VERSION, kind: KIND, name: appliance.name, namespace: appliance.namespace }, event);
  }

  private async record(ref: V1ObjectReference, event: EventInput): Promise<void> {
    const now = new Date();
    const namespace = ref.namespace ?? 'default';
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
