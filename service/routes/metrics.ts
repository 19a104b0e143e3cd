import type { FastifyPluginCallback } from 'fastify';
import type { ServiceMetrics } from '../telemetry/metrics.js';

/** GET /metrics: OpenTelemetry metrics in the Prometheus text format. */
export const metricsRoute: FastifyPluginCallback<{ metrics: ServiceMetrics }> = (app, { metrics }, done) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Metrics in Prometheus text format', tags: ['observability'], produces: ['text/plain'] } },
    async (_request, reply) => {
      const text = await metrics.render();
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  );
  done();
};
