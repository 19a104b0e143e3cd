import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { RateLimits } from '../config.js';
import type { LimitName, ServiceMetrics } from '../telemetry/metrics.js';
import { RateLimiter, type LimitVerdict } from './limiter.js';

/** Idle buckets are dropped this often; any period well above one second (a bucket's refill time) will do. */
const SWEEP_MS = 10_000;

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

export interface RandomLimits {
  /** Before authentication, so key guessing is throttled too. */
  perIp: Hook;
  /** After validation, when the number of bytes is known. */
  perKey: Hook;
  close(): void;
}

export function randomRateLimits(limits: RateLimits, metrics: ServiceMetrics): RandomLimits {
  const ipRequests = new RateLimiter(limits.ipRequestsPerS);
  const keyRequests = new RateLimiter(limits.keyRequestsPerS);
  const keyBytes = new RateLimiter(limits.keyBytesPerS);
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const limiter of [ipRequests, keyRequests, keyBytes]) limiter.sweep(now);
  }, SWEEP_MS);
  sweeper.unref();

  const refuse = (reply: FastifyReply, verdict: LimitVerdict & { allowed: false }, limit: LimitName, detail: string) => {
    metrics.rateLimited(limit);
    reply.code(429).header('retry-after', String(verdict.retryAfterS)).send({ detail });
  };

  return {
    perIp(request, reply, done) {
      const verdict = ipRequests.check(request.ip, 1, Date.now());
      if (!verdict.allowed) return refuse(reply, verdict, 'ip_requests', `rate limit exceeded: ${limits.ipRequestsPerS} requests per second per client IP`);
      done();
    },
    perKey(request, reply, done) {
      const keyId = request.keyId ?? '';
      const now = Date.now();
      const requests = keyRequests.check(keyId, 1, now);
      if (!requests.allowed) return refuse(reply, requests, 'key_requests', `rate limit exceeded: ${limits.keyRequestsPerS} requests per second per key`);
      const bytes = keyBytes.check(keyId, request.randomQuery?.n ?? 0, now);
      if (!bytes.allowed) return refuse(reply, bytes, 'key_bytes', `rate limit exceeded: ${limits.keyBytesPerS} bytes per second per key`);
      done();
    },
    close: () => clearInterval(sweeper),
  };
}
