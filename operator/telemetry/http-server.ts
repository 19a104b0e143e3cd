// /healthz (the process serves), /readyz (ready to do its job: a leader with synced, watching caches, or
// a standby still campaigning; either with the dashboard's watches listed) and /metrics, on one small HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Probes {
  ready(): { ok: boolean; reason: string };
  metrics(): Promise<string>;
}

export async function startHttpServer(host: string, port: number, probes: Probes): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'application/json', JSON.stringify({ detail: 'only GET is served' }));
    if (path === '/healthz') return send(200, 'application/json', '"ok"');
    if (path === '/readyz') {
      const { ok, reason } = probes.ready();
      return send(ok ? 200 : 503, 'application/json', JSON.stringify({ ready: ok, reason }));
    }
    if (path === '/metrics') {
      probes.metrics().then(
        (text) => send(200, 'text/plain; version=0.0.4; charset=utf-8', text),
        (e: unknown) => send(500, 'application/json', JSON.stringify({ detail: `metrics unavailable: ${(e as Error).message}` })),
      );
      return;
    }
    send(404, 'application/json', JSON.stringify({ detail: `no such path: ${path}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
