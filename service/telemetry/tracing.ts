import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Starts OpenTelemetry tracing for the process, exporting spans by OTLP as configured by the standard
 * OTEL_EXPORTER_OTLP_* variables (protocol http/protobuf by default). Only called when an endpoint is set:
 * with none, nothing is registered and the request hooks below are not installed, so tracing costs nothing.
 * Metrics and logs are not routed through the SDK here (metrics are per app, logs go to stdout).
 */
export function startTracing(serviceName: string): NodeSDK {
  const sdk = new NodeSDK({ serviceName, metricReaders: [], logRecordProcessors: [], instrumentations: [] });
  sdk.start();
  return sdk;
}

const spans = new WeakMap<FastifyRequest, Span>();

/** One server span per request, continuing the caller's trace (W3C traceparent) when it sends one. */
export function installRequestSpans(app: FastifyInstance, version: string): void {
  const tracer = trace.getTracer('r4-service', version);
  app.addHook('onRequest', async (request) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (span === undefined) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (request.keyId !== null) span.setAttribute('r4.key_id', request.keyId);
    if (request.randomQuery !== null) {
      span.setAttribute('r4.n', request.randomQuery.n);
      span.setAttribute('r4.fmt', request.randomQuery.fmt);
    }
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
