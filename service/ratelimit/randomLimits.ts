import type { RateLimits } from '../config.js';
import type { LimitName, ServiceMetrics } from '../telemetry/metrics.js';
import { RateLimiter } from './limiter.js';

/** Idle buckets are dropped this often; any period well above one second (a bucket's refill time) will do. */
const SWEEP_MS = 10_000;

/** A refusal with 429: the answer's detail and its Retry-After. */
export interface LimitRefusal {
  detail: string;
  retryAfterS: number;
}

/** The rate limits of GET /random. Each check charges the request if it is allowed, and counts a refusal. */
export interface RandomLimits {
  /** Before authentication, so key guessing is throttled too. */
  perIp(ip: string, nowMs: number): LimitRefusal | null;
  /**
   * Also before authentication: whether this address has used up its wrong keys for now. Checked before the
   * key is looked at, so a throttled guesser cannot tell a right guess from a wrong one.
   */
  perIpAuthFailures(ip: string, nowMs: number): LimitRefusal | null;
  /** Charges a missing or wrong key (a 401) to its address. */
  authFailed(ip: string, nowMs: number): void;
  /** After validation, when the number of bytes is known: requests, then bytes. */
  perKey(keyId: string, bytes: number, nowMs: number): LimitRefusal | null;
  close(): void;
}

export function randomRateLimits(limits: RateLimits, metrics: ServiceMetrics): RandomLimits {
  const ipRequests = new RateLimiter(limits.ipRequestsPerS);
  const ipAuthFailures = new RateLimiter(limits.ipAuthFailuresPerS);
  const keyRequests = new RateLimiter(limits.keyRequestsPerS);
  const keyBytes = new RateLimiter(limits.keyBytesPerS);
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const limiter of [ipRequests, ipAuthFailures, keyRequests, keyBytes]) limiter.sweep(now);
  }, SWEEP_MS);
  sweeper.unref();

  const details: Record<LimitName, string> = {
    ip_requests: `rate limit exceeded: ${limits.ipRequestsPerS} requests per second per client IP`,
    ip_auth_failures: `too many requests with a missing or wrong API key from this address: ${limits.ipAuthFailuresPerS} per second per client IP`,
    key_requests: `rate limit exceeded: ${limits.keyRequestsPerS} requests per second per key`,
    key_bytes: `rate limit exceeded: ${limits.keyBytesPerS} bytes per second per key`,
  };
  const refusal = (limit: LimitName, retryAfterS: number): LimitRefusal => {
    metrics.rateLimited(limit);
    return { detail: details[limit], retryAfterS };
  };

  return {
    perIp(ip, nowMs) {
      const wait = ipRequests.check(ip, 1, nowMs);
      return wait === 0 ? null : refusal('ip_requests', wait);
    },
    perIpAuthFailures(ip, nowMs) {
      const wait = ipAuthFailures.peek(ip, 1, nowMs);
      return wait === 0 ? null : refusal('ip_auth_failures', wait);
    },
    authFailed(ip, nowMs) {
      ipAuthFailures.check(ip, 1, nowMs);
    },
    perKey(keyId, bytes, nowMs) {
      const requestsWait = keyRequests.check(keyId, 1, nowMs);
      if (requestsWait !== 0) return refusal('key_requests', requestsWait);
      const bytesWait = keyBytes.check(keyId, bytes, nowMs);
      return bytesWait === 0 ? null : refusal('key_bytes', bytesWait);
    },
    close: () => clearInterval(sweeper),
  };
}
