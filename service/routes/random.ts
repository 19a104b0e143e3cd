import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { presentedKeyId } from '../auth/presentedKey.js';
import type { KeyStore } from '../auth/keyStore.js';
import { wipeAnswer } from '../core/answerBuffers.js';
import { drawEntropy, EntropyUnavailable, type Draw } from '../core/entropy.js';
import type { CoreSupervisor } from '../core/supervisor.js';
import type { LimitRefusal, RandomLimits } from '../ratelimit/randomLimits.js';
import type { ServiceMetrics } from '../telemetry/metrics.js';
import { FORMATS, parseRandomQuery } from './randomQuery.js';

export interface RandomRouteOptions {
  supervisor: CoreSupervisor;
  keys: KeyStore;
  limits: RandomLimits;
  metrics: ServiceMetrics;
  maxBytesPerRequest: number;
}

interface Detail {
  detail: string;
}

const INVALID_KEY: Detail = { detail: 'invalid api key' };

/**
 * The route's JSON schema documents the query (OpenAPI); the handler checks it, because the query is checked
 * after the per-IP limit and the key, and Fastify would validate it before any handler or hook could run them.
 */
const documentedOnly = () => () => true;

/**
 * GET /random?n=&fmt=: n bytes from the core, served once to this caller only. One handler runs the checks,
 * in this order: per-IP rate limit (429), API key (401), query (400), per-key limits (429), mode (503), then
 * bytes. They are plain calls rather than Fastify hooks, each of which costs a step of Fastify's hook
 * machinery on every request; each returns the answer's body, which Fastify sends.
 */
export const randomRoute: FastifyPluginCallback<RandomRouteOptions> = (app, options, done) => {
  const { supervisor, keys, limits, metrics, maxBytesPerRequest } = options;

  const tooMany = (reply: FastifyReply, refusal: LimitRefusal): Detail => {
    reply.code(429).header('retry-after', String(refusal.retryAfterS));
    return { detail: refusal.detail };
  };

  /**
   * No content type is set: Fastify's own for a string (text/plain; charset=utf-8) and for a Buffer
   * (application/octet-stream) are the ones this route answers with.
   */
  const answer = (request: FastifyRequest, reply: FastifyReply, n: number, draw: Draw): Buffer | string => {
    metrics.bytesServed(n, draw.source);
    reply.header('x-r4-mode', draw.mode).header('cache-control', 'no-store');
    if (typeof draw.body !== 'string') request.servedBytes = draw.body;
    return draw.body;
  };

  const unavailable = (reply: FastifyReply, err: unknown): Detail => {
    if (!(err instanceof EntropyUnavailable)) throw err;
    reply.code(503).header('x-r4-mode', supervisor.mode);
    return { detail: `entropy unavailable: ${err.reason}` };
  };

  app.get(
    '/random',
    {
      exposeHeadRoute: false, // a HEAD would draw bytes only to throw them away
      schema: {
        summary: 'Random bytes from the sealed entropy core',
        tags: ['entropy'],
        security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
        querystring: {
          type: 'object',
          required: ['n'],
          additionalProperties: false,
          properties: {
            n: { type: 'integer', minimum: 1, maximum: maxBytesPerRequest, description: 'Number of bytes' },
            fmt: { type: 'string', enum: [...FORMATS], default: 'raw', description: 'raw bytes, lowercase hex or base64 text' },
            key: { type: 'string', description: 'API key, when the x-api-key header cannot be sent' },
          },
        },
        response: {
          200: {
            description: 'The bytes; header x-r4-mode says sealed (from the core) or fallback (Node crypto, STRICT_FIPS=0 only)',
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          ...Object.fromEntries(
            [
              [400, 'Bad or missing n, unknown fmt or unknown query parameter'],
              [401, 'Missing or wrong API key'],
              [429, 'Rate limit exceeded; see Retry-After'],
              [503, 'Mode blocked: no bytes are served'],
            ].map(([status, description]) => [
              status,
              { description, type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] },
            ]),
          ),
        },
      },
      validatorCompiler: documentedOnly,
      onResponse: (request, _reply, next) => {
        // The socket has taken its copy; ours is zeroed so no served byte outlives its answer in this process.
        if (request.servedBytes !== null) wipeAnswer(request.servedBytes);
        next();
      },
    },
    (request, reply) => {
      const now = Date.now();
      const ipRefusal = limits.perIp(request.ip, now);
      if (ipRefusal !== null) return tooMany(reply, ipRefusal);

      const query = request.query as Record<string, unknown>;
      const keyId = presentedKeyId(keys, request.headers, query);
      if (keyId === null) {
        reply.code(401);
        return INVALID_KEY;
      }
      request.keyId = keyId;

      const parsed = parseRandomQuery(query, maxBytesPerRequest);
      if (!parsed.ok) {
        reply.code(400);
        return { detail: parsed.detail };
      }
      const { n, fmt } = parsed.query;
      request.randomQuery = parsed.query;

      const keyRefusal = limits.perKey(keyId, n, now);
      if (keyRefusal !== null) return tooMany(reply, keyRefusal);

      let draw: Draw | Promise<Draw>;
      try {
        draw = drawEntropy(supervisor, n, fmt);
      } catch (err) {
        return unavailable(reply, err);
      }
      // Bytes already in the pool are answered synchronously; only a request that must wait for the core
      // pays for a promise.
      if (draw instanceof Promise) {
        return draw.then(
          (ready) => answer(request, reply, n, ready),
          (err: unknown) => unavailable(reply, err),
        );
      }
      return answer(request, reply, n, draw);
    },
  );
  done();
};
