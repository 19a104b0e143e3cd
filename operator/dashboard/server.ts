// The dashboard's HTTP server, on a port of its own: the page (static files bundled at build time), its
// JSON API and the stream of changes. Read-only by construction: only GET and HEAD exist, and what it
// serves comes from the replica's watches, never from a request to the API server.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DASHBOARD_API_PREFIX, type StreamMessage } from '../../api/dashboard/v1.js';
import type { Logger } from '../log.js';
import { dashboardOpenApi } from './openapi.js';
import type { DashboardSource } from './source.js';

export interface DashboardServerOptions {
  host: string;
  port: number;
  source: DashboardSource;
  /** index.html, app.js and app.css (dist/dashboard). */
  assetsDir: string;
  /** A file holding the bearer token every API request must carry; unset: no token. */
  tokenFile?: string;
  log: Logger;
  /** Whole seconds between heartbeats on the stream (default 2). */
  heartbeatSeconds?: number;
}

export interface DashboardServer {
  port: number;
  close(): Promise<void>;
}

/** Open streams at once; beyond it a stream is refused (503) rather than starving the replica. */
const MAX_STREAMS = 256;
/** Bytes a stream may have queued for a slow reader before it is closed (the client reconnects and resyncs). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** An RFC 1123 name (namespaces and appliances are both). */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** A path segment decoded; '' when it is not valid percent-encoding (then no name matches). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function loadAssets(dir: string): Map<string, Buffer> {
  const assets = new Map<string, Buffer>();
  for (const file of Object.keys(ASSETS)) {
    try {
      assets.set(file, readFileSync(join(dir, file)));
    } catch {
      // Missing: the page answers 503 and says how to build it; the API still works.
    }
  }
  return assets;
}

/** The token file, re-read when it changes (a mounted Secret is replaced in place); undefined when unreadable or empty. */
function tokenReader(path: string): () => Buffer | undefined {
  let cached: { mtimeMs: number; size: number; digest: Buffer | undefined } | undefined;
  return () => {
    try {
      const stat = statSync(path);
      if (!cached || cached.mtimeMs !== stat.mtimeMs || cached.size !== stat.size) {
        const token = readFileSync(path, 'utf8').trim();
        cached = { mtimeMs: stat.mtimeMs, size: stat.size, digest: token === '' ? undefined : createHash('sha256').update(token).digest() };
      }
      return cached.digest;
    } catch {
      cached = undefined;
      return undefined;
    }
  };
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { source, log } = options;
  const heartbeatMs = (options.heartbeatSeconds ?? 2) * 1000;
  const assets = loadAssets(options.assetsDir);
  const expectedToken = options.tokenFile ? tokenReader(options.tokenFile) : undefined;
  const openApi = JSON.stringify(dashboardOpenApi());
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, head: boolean, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
    res.end(head ? undefined : body);
  };
  const json = (res: ServerResponse, head: boolean, status: number, value: unknown, extra: Record<string, string> = {}) =>
    send(res, head, status, 'application/json; charset=utf-8', JSON.stringify(value), { 'cache-control': 'no-store', ...extra });

  /** Undefined when the request may read the API; else why not. */
  function refusal(req: IncomingMessage): { status: number; detail: string } | undefined {
    if (!expectedToken) return undefined;
    const expected = expectedToken();
    if (!expected) return { status: 503, detail: 'the dashboard token file cannot be read or is empty: no request is let in' };
    const presented = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!presented) return { status: 401, detail: 'a bearer token is required (Authorization: Bearer <token>)' };
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected) ? undefined : { status: 401, detail: 'the bearer token is not valid' };
  }

  function stream(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= MAX_STREAMS) return json(res, false, 503, { detail: `too many open streams (${MAX_STREAMS})` }, { 'retry-after': '5' });
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    streams.add(res);
    const write = (message: StreamMessage | { type: 'hello' | 'heartbeat'; data: unknown }) => {
      if (res.writableLength > MAX_QUEUED_BYTES) {
        log.warn('dashboard stream closed: its reader is too slow', { queuedBytes: res.writableLength });
        res.destroy();
        return;
      }
      res.write(`event: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`);
    };
    const status = source.status();
    write({ type: 'hello', data: { ...status, heartbeatSeconds: heartbeatMs / 1000 } });
    const unsubscribe = source.subscribe(write);
    const heartbeat = setInterval(() => {
      const { revision, leader } = source.status();
      write({ type: 'heartbeat', data: { revision, leader } });
    }, heartbeatMs);
    const closed = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    res.once('close', closed);
    req.socket.setNoDelay(true);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return json(res, false, 405, { detail: 'the dashboard is read-only: only GET and HEAD are served' }, { allow: 'GET, HEAD' });

    if (path === '/' || path.startsWith('/assets/')) {
      const file = path === '/' ? 'index.html' : path.slice('/assets/'.length);
      const type = ASSETS[file];
      const body = assets.get(file);
      if (!type) return json(res, head, 404, { detail: `no such file: ${path}` });
      if (!body) return json(res, head, 503, { detail: `the dashboard page is not built (${file} missing in ${options.assetsDir}); run npm run build` });
      return send(res, head, 200, type, body, { 'cache-control': 'no-cache' });
    }
    if (!path.startsWith(`${DASHBOARD_API_PREFIX}/`)) return json(res, head, 404, { detail: `no such path: ${path}` });
    if (path === `${DASHBOARD_API_PREFIX}/openapi.json`) return send(res, head, 200, 'application/json; charset=utf-8', openApi, { 'cache-control': 'no-cache' });

    const refused = refusal(req);
    if (refused) return json(res, head, refused.status, { detail: refused.detail }, refused.status === 401 ? { 'www-authenticate': 'Bearer realm="r4-dashboard"' } : {});
    if (!source.synced()) return json(res, head, 503, { detail: "this replica's watches have not listed the cluster yet" }, { 'retry-after': '2' });

    if (path === `${DASHBOARD_API_PREFIX}/appliances`) return json(res, head, 200, source.fleet());
    if (path === `${DASHBOARD_API_PREFIX}/stream`) return head ? json(res, true, 200, {}) : stream(req, res);
    const parts = path.slice(`${DASHBOARD_API_PREFIX}/appliances/`.length).split('/');
    if (path.startsWith(`${DASHBOARD_API_PREFIX}/appliances/`) && parts.length === 2) {
      const [namespace = '', name = ''] = parts.map(decoded);
      if (!NAME.test(namespace) || !NAME.test(name)) return json(res, head, 400, { detail: 'namespace and name must be Kubernetes object names (lowercase RFC 1123)' });
      const detail = source.appliance(namespace, name);
      return detail ? json(res, head, 200, detail) : json(res, head, 404, { detail: `no appliance ${namespace}/${name}` });
    }
    return json(res, head, 404, { detail: `no such path: ${path}` });
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
