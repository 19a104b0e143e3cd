import type { FastifyInstance } from 'fastify';
import type { ServiceMetrics } from './metrics.js';

const MAX_LOGGED_PARAMS = 10;
const MAX_LOGGED_VALUE = 64;

/**
 * The query as it may be logged: `key` redacted whatever its spelling on the wire (the parser has already
 * decoded `%6Bey=`), other values bounded. Only logged for refused requests, where it explains the refusal.
 */
export function loggableQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [name, value] of Object.entries(query).slice(0, MAX_LOGGED_PARAMS)) {
    const shownName = name.slice(0, MAX_LOGGED_VALUE);
    if (name === 'key') out[shownName] = '[redacted]';
    else out[shownName] = String(value).slice(0, MAX_LOGGED_VALUE);
  }
  return out;
}

/** The path without the query string, which may carry an API key. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * One structured line and one metric sample per answered request (Fastify's own two lines per request are
 * off): request id, route, status, n, fmt, latency, client IP, key id. Never a key, never a byte.
 */
export function installRequestLog(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const latencyMs = reply.elapsedTime;
    metrics.requestFinished(route, status, latencyMs / 1000);
    const line: Record<string, unknown> = {
      reqId: request.id,
      method: request.method,
      route,
      path: pathOf(request.url),
      status,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      ip: request.ip,
    };
    if (request.keyId !== null) line.key_id = request.keyId;
    if (request.randomQuery !== null) {
      line.n = request.randomQuery.n;
      line.fmt = request.randomQuery.fmt;
      line.mode = reply.getHeader('x-r4-mode');
    }
    if (status >= 400 && status < 500) line.query = loggableQuery(request.query);
    // The root logger, not request.log: see lazyChildLogger.ts.
    app.log.info(line, 'request');
    done();
  });
}
