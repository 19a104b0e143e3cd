import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { encoded, JsonLine } from './jsonLine.js';
import { BatchedLogWriter } from './logWriter.js';
import type { ServiceMetrics } from './metrics.js';

const MAX_LOGGED_PARAMS = 10;
const MAX_LOGGED_NAME = 64;

/**
 * What a refused request's log line says about its query: the names of its parameters, bounded, never a
 * value. A value may be a key (`key=`, or a key pasted into the wrong parameter) or anything else a caller
 * should not find in someone's logs; the names and the answer's detail explain the refusal well enough.
 */
export function loggedParameterNames(query: unknown): string[] {
  if (typeof query !== 'object' || query === null) return [];
  return Object.keys(query)
    .slice(0, MAX_LOGGED_PARAMS)
    .map((name) => name.slice(0, MAX_LOGGED_NAME));
}

/** The length of the path: the URL without the query string, which may carry an API key. */
export function pathLength(url: string): number {
  const q = url.indexOf('?');
  return q === -1 ? url.length : q;
}

/** Where and how the process's logger writes: the access line goes to the same stream in the same shape. */
interface LogTarget {
  /** The line to encode into: the service's own writer's batch itself, or a line of its own for any other stream. */
  begin(): JsonLine;
  /** Hands the line over. */
  end(): void;
  /** `{"level":30,"time":` */
  head: string;
  /** The logger's bindings, e.g. `,"service":"re4ctor-api"` */
  bindings: string;
}

/** pino keeps its stream and serialized bindings under symbols it exports for exactly this kind of use. */
function logTarget(log: Logger): LogTarget {
  const internals = log as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as BatchedLogWriter | { write(line: string): unknown };
  const shape = { head: `{"level":${log.levels.values.info},"time":`, bindings: internals[pino.symbols.chindingsSym] as string };
  if (stream instanceof BatchedLogWriter) return { ...shape, begin: () => stream.pending, end: () => stream.lineDone() };
  const line = new JsonLine();
  return { ...shape, begin: () => line.reset(), end: () => void stream.write(line.text()) };
}

/**
 * One structured line and one metric sample per answered request (Fastify's own two lines per request are
 * off): request id, route, status, n, fmt, latency, client IP, key id. Never a key, never a byte. The line
 * is the one `log.info(fields, 'request')` would write, encoded directly (jsonLine.ts): pino's generic
 * serializer walks the object key by key and cost more than the rest of a small request's logging.
 */
export function installRequestLog(app: FastifyInstance, log: Logger, metrics: ServiceMetrics): void {
  const { begin, end, head, bindings } = logTarget(log);
  const keys = {
    time: encoded(head),
    reqId: encoded(`${bindings},"reqId":`),
    method: encoded(',"method":'),
    route: encoded(',"route":'),
    path: encoded(',"path":'),
    status: encoded(',"status":'),
    latency: encoded(',"latency_ms":'),
    ip: encoded(',"ip":'),
    keyId: encoded(',"key_id":'),
    n: encoded(',"n":'),
    fmt: encoded(',"fmt":'),
    mode: encoded(',"mode":'),
    queryParams: encoded(',"query_params":'),
    end: encoded(',"msg":"request"}\n'),
  };
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const latencyMs = reply.elapsedTime;
    metrics.requestFinished(route, status, latencyMs / 1000);
    if (log.isLevelEnabled('info')) {
      const line = begin()
        .raw(keys.time)
        .number(Date.now())
        .raw(keys.reqId)
        .string(request.id)
        .raw(keys.method)
        .string(request.method)
        .raw(keys.route)
        .string(route)
        .raw(keys.path)
        .string(request.url, pathLength(request.url))
        .raw(keys.status)
        .number(status)
        .raw(keys.latency)
        .thousandths(latencyMs)
        .raw(keys.ip)
        .string(request.ip);
      if (request.keyId !== null) line.raw(keys.keyId).string(request.keyId);
      const query = request.randomQuery;
      if (query !== null) line.raw(keys.n).number(query.n).raw(keys.fmt).string(query.fmt);
      // A request refused before the mode was consulted (a per-key limit) has no mode to log.
      const mode = reply.getHeader('x-r4-mode');
      if (typeof mode === 'string') line.raw(keys.mode).string(mode);
      if (status >= 400 && status < 500) line.raw(keys.queryParams).json(JSON.stringify(loggedParameterNames(request.query)));
      line.raw(keys.end);
      end();
    }
    done();
  });
}
