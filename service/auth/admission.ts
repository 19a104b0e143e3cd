// The checks every keyed route runs before it looks at its own query, in this order: per-IP rate limit,
// per-IP limit of wrong keys (both 429), then the API key (401). Plain calls rather than Fastify hooks: a
// hook costs a step of Fastify's machinery on every request.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LimitRefusal, RandomLimits } from '../ratelimit/randomLimits.js';
import type { KeyStore } from './keyStore.js';
import { presentedKey } from './presentedKey.js';

export interface Detail {
  detail: string;
}

export interface Gate {
  keys: KeyStore;
  limits: RandomLimits;
  /** ALLOW_QUERY_KEY: whether `?key=` is taken besides the x-api-key header. */
  allowQueryKey: boolean;
}

export function tooMany(reply: FastifyReply, refusal: LimitRefusal): Detail {
  reply.code(429).header('retry-after', String(refusal.retryAfterS));
  return { detail: refusal.detail };
}

/** The key's id when the request may go on (also set on the request for the log), or the refusal to send. */
export function admit(gate: Gate, request: FastifyRequest, reply: FastifyReply, nowMs: number): { keyId: string } | Detail {
  const ipRefusal = gate.limits.perIp(request.ip, nowMs);
  if (ipRefusal !== null) return tooMany(reply, ipRefusal);
  const failuresRefusal = gate.limits.perIpAuthFailures(request.ip, nowMs);
  if (failuresRefusal !== null) return tooMany(reply, failuresRefusal);
  const presented = presentedKey((key) => gate.keys.lookup(key), request.headers, request.query as Record<string, unknown>, gate.allowQueryKey);
  if (!presented.ok) {
    gate.limits.authFailed(request.ip, nowMs);
    reply.code(401);
    return { detail: presented.detail };
  }
  request.keyId = presented.keyId;
  return { keyId: presented.keyId };
}
