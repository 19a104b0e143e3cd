import { ValueType, type HrTime } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, DataPointType, MeterProvider, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { EntropySourceName } from '../core/entropy.js';
import { MODES, type Mode } from '../../contracts/version-document.js';
import type { AttestationSnapshot } from '../core/supervisor.js';

export type LimitName = 'ip_requests' | 'ip_auth_failures' | 'key_requests' | 'key_bytes';

export interface ServiceMetrics {
  requestFinished(route: string, status: number, seconds: number): void;
  bytesServed(n: number, source: EntropySourceName): void;
  rateLimited(limit: LimitName): void;
  modeChanged(from: Mode, to: Mode): void;
  /** The Prometheus text exposition of every instrument. */
  render(): Promise<string>;
  shutdown(): Promise<void>;
}

export interface MetricsSources {
  snapshot(): AttestationSnapshot;
  poolLevel(): number;
}

/** Seconds; from a cached answer (~100 µs) to a slow 16 MiB transfer. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * OpenTelemetry metrics read in Prometheus format on GET /metrics. Each app instance owns its own
 * MeterProvider (the same SDK class NodeSDK registers globally): metrics stay per instance, so tests and
 * several apps in one process never share counters, and the exporter never opens a port of its own.
 */
export function createMetrics(serviceName: string, version: string, sources: MetricsSources): ServiceMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  // Without the otel_scope_* labels on every series: there is one scope, and the text stays readable.
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': version }),
    readers: [exporter],
  });
  const meter = provider.getMeter('r4-service', version);

  // Per-request counts and latencies are kept in plain numbers by route, then status, and read at scrape
  // time: an SDK counter.add() with attributes costs microseconds on every request, two Map lookups cost
  // nanoseconds. Routes are the few registered paths (or "unmatched") and statuses a few codes: the maps stay small.
  const routes = new Map<string, RouteStats>();
  const bytesBySource: Record<EntropySourceName, number> = { core: 0, fallback: 0 };
  meter
    .createObservableCounter('r4_http_requests', { description: 'HTTP requests answered, by route and status' })
    .addCallback((result) => {
      for (const { byStatus } of routes.values()) for (const { attributes, count } of byStatus.values()) result.observe(count, attributes);
    });
  meter
    .createObservableCounter('r4_random_bytes_served', { description: 'Random bytes served, by source (core or fallback)' })
    .addCallback((result) => {
      result.observe(bytesBySource.core, { source: 'core' });
      result.observe(bytesBySource.fallback, { source: 'fallback' });
    });
  const limited = meter.createCounter('r4_rate_limited', { description: 'Requests refused with 429, by limit' });
  const modeChanges = meter.createCounter('r4_mode_changes', { description: 'Changes of mode, by from and to' });

  meter
    .createObservableGauge('r4_mode', { description: '1 for the current mode (sealed, fallback, blocked), 0 for the others' })
    .addCallback((result) => {
      const mode = sources.snapshot().mode;
      for (const candidate of MODES) result.observe(candidate === mode ? 1 : 0, { mode: candidate });
    });
  meter
    .createObservableGauge('r4_pool_bytes', { description: 'Bytes from the core waiting in the pool' })
    .addCallback((result) => result.observe(sources.poolLevel()));
  meter
    .createObservableCounter('r4_core_restarts', { description: 'Times the entropy core was started again after the first start' })
    .addCallback((result) => result.observe(sources.snapshot().core.restarts));
  meter
    .createObservableCounter('r4_core_reseeds', { description: 'DRBG reseeds reported by the running core' })
    .addCallback((result) => result.observe(sources.snapshot().core.counters?.reseeds ?? 0));

  const startTime = hrTimeOf(Date.now());

  return {
    requestFinished(route, status, seconds) {
      let stats = routes.get(route);
      if (stats === undefined) {
        const latency = { attributes: { route }, counts: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
        stats = { byStatus: new Map(), latency };
        routes.set(route, stats);
      }
      const requests = stats.byStatus.get(status);
      if (requests === undefined) stats.byStatus.set(status, { attributes: { route, status: String(status) }, count: 1 });
      else requests.count += 1;
      recordLatency(stats.latency, seconds);
    },
    bytesServed(n, source) {
      bytesBySource[source] += n;
    },
    rateLimited(limit) {
      limited.add(1, { limit });
    },
    modeChanged(from, to) {
      modeChanges.add(1, { from, to });
    },
    async render() {
      const { resourceMetrics } = await exporter.collect();
      resourceMetrics.scopeMetrics[0]?.metrics.push(latencyMetric(routes, startTime));
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}

interface RouteStats {
  byStatus: Map<number, { attributes: { route: string; status: string }; count: number }>;
  latency: RouteLatency;
}

interface RouteLatency {
  attributes: { route: string };
  /** One count per bucket of LATENCY_BUCKETS (upper bounds, inclusive), plus one above the last. */
  counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

function recordLatency(histogram: RouteLatency, seconds: number): void {
  let bucket = 0;
  while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] as number)) bucket++;
  histogram.counts[bucket] = (histogram.counts[bucket] as number) + 1;
  histogram.sum += seconds;
  histogram.count += 1;
  if (seconds < histogram.min) histogram.min = seconds;
  if (seconds > histogram.max) histogram.max = seconds;
}

/**
 * The latency histograms as OpenTelemetry cumulative histogram data, serialized with the SDK's own metrics.
 * They are aggregated here rather than by an SDK histogram because histogram.record() hashes its attributes
 * on every call: about 3 µs per request, more than any other part of the request's bookkeeping.
 */
function latencyMetric(routes: ReadonlyMap<string, RouteStats>, startTime: HrTime): HistogramMetricData {
  const endTime = hrTimeOf(Date.now());
  return {
    descriptor: { name: 'r4_http_request_duration_seconds', description: 'Time from request to answer, by route', unit: 's', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [...routes.values()].map(({ latency: histogram }) => ({
      startTime,
      endTime,
      attributes: histogram.attributes,
      value: {
        buckets: { boundaries: LATENCY_BUCKETS, counts: [...histogram.counts] },
        sum: histogram.sum,
        count: histogram.count,
        min: histogram.min,
        max: histogram.max,
      },
    })),
  };
}

function hrTimeOf(epochMs: number): HrTime {
  return [Math.floor(epochMs / 1000), (epochMs % 1000) * 1e6];
}
