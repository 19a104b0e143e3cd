import type { FastifyPluginCallback } from 'fastify';

/** GET /openapi.json: the OpenAPI document @fastify/swagger builds from the route schemas. */
export const openapiRoute: FastifyPluginCallback = (app, _opts, done) => {
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => {
    reply.send(app.swagger());
  });
  done();
};
