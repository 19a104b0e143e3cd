import type { FastifyPluginCallback } from 'fastify';

/** GET /health: "ok" while the process lives (the liveness probe); says nothing about entropy. */
export const healthRoute: FastifyPluginCallback = (app, _opts, done) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: "ok" while the process lives',
        tags: ['probes'],
        response: { 200: { type: 'string', const: 'ok' } },
      },
    },
    (_request, reply) => {
      reply.type('application/json; charset=utf-8').send('"ok"');
    },
  );
  done();
};
