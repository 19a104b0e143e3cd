import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { apiKeyHook } from '../auth/apiKeyHook.js';
import type { KeyStore } from '../auth/keyStore.js';
import { wipeAnswer } from '../core/answerBuffers.js';
import { drawEntropy, EntropyUnavailable, type Draw } from '../core/entropy.js';
import type { CoreSupervisor } from '../core/supervisor.js';
import type { RandomLimits } from '../ratelimit/hooks.js';
import type { ServiceMetrics } from '../telemetry/metrics.js';
import { FORMATS, parseRandomQuery, type RandomQuery } from './randomQuery.js';

export interface RandomRouteOptions {
  supervisor: CoreSupervisor;
  keys: KeyStore;
  limits: RandomLimits;
  metrics: ServiceMetrics;
  maxBytesPerRequest: number;
}

const CONTENT_TYPES = { raw: 'application/octet-stream', hex: 'text/plain; charset=utf-8', base64: 'text/plain; charset=utf-8' };

/**
 * GET /random?n=&fmt=: n bytes from the core, served once to this caller only. Order of checks: per-IP rate
 * limit, API key (401), query (400), per-key limits (429), mode (503), then bytes.
 */
export const randomRoute: FastifyPluginCallback<RandomRouteOptions> = (app, options, done) => {
  const { supervisor, metrics, maxBytesPerRequest } = options;

  /** Sets the headers and returns the body: the raw buffer, or its text form with the buffer already zeroed. */
  const answer = (request: FastifyRequest, reply: FastifyReply, fmt: RandomQuery['fmt'], draw: Draw): Buffer | string => {
    metrics.bytesServed(draw.bytes.length, draw.source);
    reply.header('x-r4-mode', draw.mode).header('cache-control', 'no-store').type(CONTENT_TYPES[fmt]);
    if (fmt === 'raw') {
      request.servedBytes = draw.bytes;
      return draw.bytes;
    }
    // Strings are immutable and cannot be wiped; the bytes they were made from can.
    const text = draw.bytes.toString(fmt);
    wipeAnswer(draw.bytes);
    return text;
  };

  const refusal = (reply: FastifyReply, err: unknown): { detail: string } => {
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
      // The JSON schema above documents the contract; this pure validator enforces it, without Ajv's type
      // coercion (which would read "0x10" as 16) and with messages that say what was wrong.
      validatorCompiler: () => (data: unknown) => {
        const parsed = parseRandomQuery(data as Record<string, unknown>, maxBytesPerRequest);
        return parsed.ok ? { value: parsed.query } : { error: new Error(parsed.detail) };
      },
      onRequest: [options.limits.perIp, apiKeyHook(options.keys)],
      preHandler: (request, reply, next) => {
        request.randomQuery = request.query as RandomQuery;
        options.limits.perKey(request, reply, next);
      },
      onResponse: (request, _reply, next) => {
        // The socket has taken its copy; ours is zeroed so no served byte outlives its answer in this process.
        if (request.servedBytes !== null) wipeAnswer(request.servedBytes);
        next();
      },
    },
    (request, reply) => {
      const { n, fmt } = request.randomQuery as RandomQuery;
      let draw: Draw | Promise<Draw>;
      try {
        draw = drawEntropy(supervisor, n);
      } catch (err) {
        reply.send(refusal(reply, err));
        return;
      }
      // Bytes already in the pool are answered synchronously; only a request that must wait for the core
      // pays for a promise.
      if (draw instanceof Promise) {
        return draw.then(
          (ready) => answer(request, reply, fmt, ready),
          (err: unknown) => refusal(reply, err),
        );
      }
      reply.send(answer(request, reply, fmt, draw));
    },
  );
  done();
};
