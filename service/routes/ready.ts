import type { FastifyPluginCallback } from 'fastify';
import { canServe } from '../core/mode.js';
import type { CoreSupervisor } from '../core/supervisor.js';

/** GET /ready: 200 while /random can answer (sealed, or fallback where allowed), else 503 with the reason. */
export const readyRoute: FastifyPluginCallback<{ supervisor: CoreSupervisor }> = (app, { supervisor }, done) => {
  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 while entropy can be served',
        tags: ['probes'],
        response: {
          200: { type: 'object', properties: { mode: { type: 'string', enum: ['sealed', 'fallback'] } } },
          503: { type: 'object', properties: { detail: { type: 'string' }, mode: { type: 'string', const: 'blocked' } } },
        },
      },
    },
    (_request, reply) => {
      const { mode, reason } = supervisor.snapshot();
      if (canServe(mode)) reply.send({ mode });
      else reply.code(503).send({ detail: `not ready: ${reason ?? 'mode blocked'}`, mode });
    },
  );
  done();
};
