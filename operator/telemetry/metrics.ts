// The operator's own metrics, OpenTelemetry instruments read in Prometheus format on GET /metrics.
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';

export interface ApplianceCounts {
  namespace: string;
  appliance: string;
  attested: number;
  cordoned: number;
}

export interface OperatorMetrics {
  reconciled(result: 'success' | 'error', seconds: number): void;
  attestation(verdict: string, reason: string): void;
  /** A pod's verdict changed (Pending to Attested, Attested to Cordoned, ...); `reason` is the new one's. */
  verdictChanged(change: VerdictChange): void;
  /** One attestation probe of a pod over the network took `seconds`, whatever it found. */
  probed(namespace: string, appliance: string, seconds: number): void;
  /** One request to the API server was answered (operator/manager/api-connection.ts). */
  apiRequest(request: { verb: string; resource: string; code: number }): void;
  /** A watch ended and another one starts (reflector.ts); a steady rate is one per 5-10 min per watch. */
  watchRestarted(resource: string): void;
  /** A cache was listed again after a 410: at steady state, never. */
  relisted(resource: string): void;
  render(): Promise<string>;
  shutdown(): Promise<void>;
}

export interface VerdictChange {
  namespace: string;
  appliance: string;
  from: string;
  to: string;
  reason: string;
}

export interface MetricsSources {
  isLeader(): boolean;
  appliances(): readonly ApplianceCounts[];
}

export function createOperatorMetrics(version: string, sources: MetricsSources): OperatorMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'r4-operator', 'service.version': version }),
    readers: [exporter],
  });
  const meter = provider.getMeter('r4-operator', version);
  const reconciles = meter.createCounter('r4_operator_reconciles', { description: 'Reconciles of appliances, by result' });
  const errors = meter.createCounter('r4_operator_reconcile_errors', { description: 'Reconciles that failed and will be retried' });
  // Present at 0 from the start, so a dashboard's rate() shows "no errors" rather than "no data".
  errors.add(0);
  const durations = meter.createHistogram('r4_operator_reconcile_duration_seconds', {
    description: 'Time one reconcile of one appliance took',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  });
  const attestations = meter.createCounter('r4_operator_attestations', { description: 'Attestation probes, by resulting verdict and reason' });
  const verdictChanges = meter.createCounter('r4_operator_verdict_changes', {
    description: "Changes of a pod's verdict, by appliance, from and to verdict and the new reason",
  });
  const probeDurations = meter.createHistogram('r4_operator_attestation_duration_seconds', {
    description: 'Time one attestation probe of one pod took (connect, TLS, answer), by appliance',
    unit: 's',
    // From a pod on the same node (milliseconds) to the longest timeout an appliance may set (60 s).
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
  });
  const apiRequests = meter.createCounter('r4_operator_api_requests', { description: 'Requests to the API server, by verb, resource and HTTP status code' });
  const watchRestarts = meter.createCounter('r4_operator_watch_restarts', { description: 'Watches that ended and were opened again, by watched resource' });
  const relists = meter.createCounter('r4_operator_watch_relists', { description: 'Caches listed again after the API server answered 410 Gone, by watched resource' });
  meter
    .createObservableGauge('r4_operator_leader', { description: '1 while this replica is the leader' })
    .addCallback((r) => r.observe(sources.isLeader() ? 1 : 0));
  meter.createObservableGauge('r4_operator_cordoned_pods', { description: 'Cordoned pods, by appliance' }).addCallback((r) => {
    for (const a of sources.appliances()) r.observe(a.cordoned, { namespace: a.namespace, appliance: a.appliance });
  });
  meter.createObservableGauge('r4_operator_attested_pods', { description: 'Attested pods, by appliance' }).addCallback((r) => {
    for (const a of sources.appliances()) r.observe(a.attested, { namespace: a.namespace, appliance: a.appliance });
  });

  return {
    reconciled(result, seconds) {
      reconciles.add(1, { result });
      if (result === 'error') errors.add(1);
      durations.record(seconds);
    },
    attestation(verdict, reason) {
      attestations.add(1, { verdict, reason });
    },
    verdictChanged({ namespace, appliance, from, to, reason }) {
      verdictChanges.add(1, { namespace, appliance, from, to, reason });
    },
    probed(namespace, appliance, seconds) {
      probeDurations.record(seconds, { namespace, appliance });
    },
    apiRequest({ verb, resource, code }) {
      apiRequests.add(1, { verb, resource, code: String(code) });
    },
    watchRestarted(resource) {
      watchRestarts.add(1, { resource });
    },
    relisted(resource) {
      relists.add(1, { resource });
    },
    async render() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}
