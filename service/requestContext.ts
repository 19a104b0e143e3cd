import type { FastifyInstance } from 'fastify';
import type { RandomQuery } from './routes/randomQuery.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Id (hash prefix) of the API key that authenticated this request; never the key. */
    keyId: string | null;
    /** The validated query of GET /random, for the handler, the access log and the span. */
    randomQuery: RandomQuery | null;
  }
}

export function decorateRequests(app: FastifyInstance): void {
  app.decorateRequest('keyId', null);
  app.decorateRequest('randomQuery', null);
}
