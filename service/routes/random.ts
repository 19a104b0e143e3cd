import type { FastifyPluginCallback, FastifyReply } from 'fastify';
import { admit, tooMany, type Detail } from '../auth/admission.js';
import type { KeyStore } from '../auth/keyStore.js';
import { drawEntropy, EntropyUnavailable, type Draw } from '../core/entropy.js';
import { encodedLength } from '../core/textAnswer.js';
import type { CoreSupervisor } from '../core/supervisor.js';
import type { InFlightAccount } from '../ratelimit/bytesInFlight.js';
import type { RandomLimits } from '../ratelimit/randomLimits.js';
import type { ServiceMetrics } from '../telemetry/metrics.js';
import { holdUntilClosed, type AnswerHold } from './answerRelease.js';
import { FORMATS, parseRandomQuery, type Format } from './randomQuery.js';

export interface RandomRouteOptions {
  supervisor: CoreSupervisor;
  keys: KeyStore;
  limits: RandomLimits;
  /** Bytes of answers not yet handed to the kernel (ratelimit/bytesInFlight.ts). */
  inFlight: InFlightAccount;
  metrics: ServiceMetrics;
  maxBytesPerRequest: number;
  /** ALLOW_QUERY_KEY: whether `?key=` is taken besides the x-api-key header. */
  allowQueryKey: boolean;
}

/**
 * The route's JSON schema documents the query (OpenAPI); the handler checks it, because the query is checked
 * after the per-IP limit and the key, and Fastify would validate it before any handler or hook could run them.
 */
const documentedOnly = () => () => true;

const TEXT = 'text/plain; charset=utf-8';

/**
 * GET /random?n=&fmt=: n bytes from the core, served once to this caller only. One handler runs the checks,
 * in this order: per-IP rate limit (429), per-IP limit of wrong keys (429), API key (401), query (400),
 * per-key limits (429), bytes in flight (429 for the key, 503 for all), mode (503), then bytes. They are plain
 * calls rather than Fastify hooks, each of which costs a step of Fastify's hook machinery on every request;
 * each returns the answer's body, which Fastify sends.
 */
export const randomRoute: FastifyPluginCallback<RandomRouteOptions> = (app, options, done) => {
  const { supervisor, keys, limits, inFlight, metrics, maxBytesPerRequest, allowQueryKey } = options;
  const gate = { keys, limits, allowQueryKey };

  /**
   * Fastify's content type for a string (text/plain; charset=utf-8) and for a Buffer (application/octet-stream)
   * are this route's, except for large text answers, which come in a Buffer (core/textAnswer.ts).
   */
  const answer = (reply: FastifyReply, hold: AnswerHold, n: number, fmt: Format, draw: Draw): Buffer | string => {
    metrics.bytesServed(n, draw.source);
    reply.header('x-r4-mode', draw.mode).header('cache-control', 'no-store');
    if (typeof draw.body === 'string') return draw.body;
    if (fmt !== 'raw') reply.type(TEXT);
    hold.holdBytes(draw.body);
    return draw.body;
  };

  /** Full: 429 when this key holds its share, 503 when all answers together hold the total. */
  const inFlightFull = (reply: FastifyReply, verdict: 'key_full' | 'total_full'): Detail => {
    const { totalBytes, perKeyBytes } = inFlight.limits;
    // Answers in flight drain as fast as their clients read; a second is a fair first wait.
    reply.code(verdict === 'key_full' ? 429 : 503).header('retry-after', '1');
    return {
      detail:
        verdict === 'key_full'
          ? `too many bytes in flight for this key: its answers not yet delivered hold ${perKeyBytes} bytes or more`
          : `too many bytes in flight: answers not yet delivered hold ${totalBytes} bytes or more; retry shortly`,
    };
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
            key: { type: 'string', description: 'API key, when the x-api-key header cannot be sent (refused when ALLOW_QUERY_KEY=0)' },
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
              [401, 'Missing or wrong API key, or a key in the query string while ALLOW_QUERY_KEY=0'],
              [429, 'Rate limit exceeded (requests, bytes, or wrong keys from this address); see Retry-After'],
              [503, 'Mode blocked, or too many bytes in flight (see Retry-After): no bytes are served'],
            ].map(([status, description]) => [
              status,
              { description, type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] },
            ]),
          ),
        },
      },
      validatorCompiler: documentedOnly,
    },
    (request, reply) => {
      const now = Date.now();
      const admitted = admit(gate, request, reply, now);
      if (!('keyId' in admitted)) return admitted;
      const { keyId } = admitted;

      const query = request.query as Record<string, unknown>;
      const parsed = parseRandomQuery(query, maxBytesPerRequest);
      if (!parsed.ok) {
        reply.code(400);
        return { detail: parsed.detail };
      }
      const { n, fmt } = parsed.query;
      request.randomQuery = parsed.query;

      const keyRefusal = limits.perKey(keyId, n, now);
      if (keyRefusal !== null) return tooMany(reply, keyRefusal);

      const cost = encodedLength(n, fmt);
      const verdict = inFlight.reserve(keyId, cost);
      if (verdict !== 'admit') return inFlightFull(reply, verdict);
      // From here the answer's bytes and its place in flight are given back when the response closes, however.
      const hold = holdUntilClosed(reply.raw, () => inFlight.release(keyId, cost));

      let draw: Draw | Promise<Draw>;
      try {
        draw = drawEntropy(supervisor, n, fmt);
      } catch (err) {
        return unavailable(reply, err);
      }
      // Bytes already in the pool are answered synchronously; only a request that must wait (for the core, or
      // for its large text to be encoded) pays for a promise.
      if (draw instanceof Promise) {
        return draw.then(
          (ready) => answer(reply, hold, n, fmt, ready),
          (err: unknown) => unavailable(reply, err),
        );
      }
      return answer(reply, hold, n, fmt, draw);
    },
  );
  done();
};
