import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
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

/** Where and how the process's logger writes: the access line goes to the same stream in the same shape. */
interface LogTarget {
  stream: { write(line: string): unknown };
  /** `{"level":30,"time":` */
  head: string;
  /** The logger's bindings, e.g. `,"service":"re4ctor-api"` */
  bindings: string;
}

/** pino keeps its stream and serialized bindings under symbols it exports for exactly this kind of use. */
function logTarget(log: Logger): LogTarget {
  const internals = log as unknown as Record<symbol, unknown>;
  return {
    stream: internals[pino.symbols.streamSym] as LogTarget['stream'],
    head: `{"level":${log.levels.values.info},"time":`,
    bindings: internals[pino.symbols.chindingsSym] as string,
  };
}

/**
 * One structured line and one metric sample per answered request (Fastify's own two lines per request are
 * off): request id, route, status, n, fmt, latency, client IP, key id. Never a key, never a byte. The line
 * is the one `log.info(fields, 'request')` would write, built directly: pino's generic serializer walks the
 * object key by key and cost more than the rest of a small request's logging.
 */
export function installRequestLog(app: FastifyInstance, log: Logger, metrics: ServiceMetrics): void {
  const { stream, head, bindings } = logTarget(log);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const latencyMs = reply.elapsedTime;
    metrics.requestFinished(route, status, latencyMs / 1000);
    if (log.isLevelEnabled('info')) {
      let line =
        `${head}${Date.now()}${bindings},"reqId":${JSON.stringify(request.id)},"method":${JSON.stringify(request.method)}` +
        `,"route":${JSON.stringify(route)},"path":${JSON.stringify(pathOf(request.url))},"status":${status}` +
        `,"latency_ms":${Math.round(latencyMs * 1000) / 1000},"ip":${JSON.stringify(request.ip)}`;
      // Key ids are hex and n, fmt and mode are validated values: nothing there needs escaping.
      if (request.keyId !== null) line += `,"key_id":"${request.keyId}"`;
      const query = request.randomQuery;
      if (query !== null) line += `,"n":${query.n},"fmt":"${query.fmt}","mode":${JSON.stringify(reply.getHeader('x-r4-mode'))}`;
      if (status >= 400 && status < 500) line += `,"query":${JSON.stringify(loggableQuery(request.query))}`;
      stream.write(`${line},"msg":"request"}\n`);
    }
    done();
  });
}
