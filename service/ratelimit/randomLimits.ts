import type { RateLimits } from '../config.js';
import type { LimitName, ServiceMetrics } from '../telemetry/metrics.js';
import { RateLimiter } from './limiter.js';
import { sharedLimiterTable, SharedRateLimiter, type SharedLimiterTable } from './sharedLimiter.js';

/** Idle buckets are dropped this often; any period well above one second (a bucket's refill time) will do. */
const SWEEP_MS = 10_000;
/**
 * Shared tables have a fixed size and refuse new clients when full, so their idle buckets are dropped every
 * second (a sweep of 16,384 slots takes well under a millisecond under the lock).
 */
const SHARED_SWEEP_MS = 1_000;
/** Client addresses active in one second, at most; a key table holds the API keys (a few per appliance). */
const IP_SLOTS = 16_384;
const KEY_SLOTS = 1_024;

/** The four tables of buckets, in SharedArrayBuffers that every worker thread maps (service/workers/). */
export interface SharedRandomLimitTables {
  ipRequests: SharedLimiterTable;
  ipAuthFailures: SharedLimiterTable;
  keyRequests: SharedLimiterTable;
  keyBytes: SharedLimiterTable;
}

/** `seed` spreads the clients over the slots (random per process, so addresses cannot be chosen to collide). */
export function sharedRandomLimitTables(seed: number): SharedRandomLimitTables {
  return {
    ipRequests: sharedLimiterTable(IP_SLOTS, seed),
    ipAuthFailures: sharedLimiterTable(IP_SLOTS, seed + 1),
    keyRequests: sharedLimiterTable(KEY_SLOTS, seed + 2),
    keyBytes: sharedLimiterTable(KEY_SLOTS, seed + 3),
  };
}

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

/** With `shared`, the limits hold for all worker threads together, exactly (ratelimit/sharedLimiter.ts). */
export function randomRateLimits(limits: RateLimits, metrics: ServiceMetrics, shared?: SharedRandomLimitTables): RandomLimits {
  const limiter = (table: SharedLimiterTable | undefined, ratePerS: number) =>
    table === undefined ? new RateLimiter(ratePerS) : new SharedRateLimiter(table, ratePerS);
  const ipRequests = limiter(shared?.ipRequests, limits.ipRequestsPerS);
  const ipAuthFailures = limiter(shared?.ipAuthFailures, limits.ipAuthFailuresPerS);
  const keyRequests = limiter(shared?.keyRequests, limits.keyRequestsPerS);
  const keyBytes = limiter(shared?.keyBytes, limits.keyBytesPerS);
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const each of [ipRequests, ipAuthFailures, keyRequests, keyBytes]) each.sweep(now);
  }, shared === undefined ? SWEEP_MS : SHARED_SWEEP_MS);
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
