// STAND-IN for a pod that tries to cheat attestation with genuine parts: it runs real entropy services
// (this checkout's, with the real core) on loopback inside its pod and fronts them on $PORT with the pod's
// TLS certificate. R4_STAND_IN picks the cheat:
//   replay  the first /attestation answer is a real one, recorded; every later probe gets that recording
//   rekey   /attestation answers come from two real services in turn: the same container, two keys
// Everything else is passed to the first service unchanged.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATTESTATION_PATH } from '../../../contracts/attestation.js';

const mode = process.env.R4_STAND_IN;
if (mode !== 'replay' && mode !== 'rekey') throw new Error(`R4_STAND_IN must be replay or rekey (got ${mode})`);
const port = Number(process.env.PORT ?? '8080');
const serviceMain = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'service', 'main.js');
const backends = mode === 'rekey' ? [18081, 18082] : [18081];

for (const backendPort of backends) {
  const { TLS_CERT_FILE: _cert, TLS_KEY_FILE: _key, ...env } = process.env;
  // A real service each, dying with this process.
  spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, serviceMain], {
    env: { ...env, API_HOST: '127.0.0.1', PORT: String(backendPort) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function forward(backendPort: number, req: IncomingMessage): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = request({ host: '127.0.0.1', port: backendPort, path: req.url, method: req.method, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, contentType: res.headers['content-type'] ?? 'application/json', body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end();
  });
}

let recorded: Buffer | undefined;
let turn = 0;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const attestation = (req.url ?? '').startsWith(ATTESTATION_PATH);
  if (attestation && mode === 'replay' && recorded) {
    res.setHeader('content-type', 'application/json');
    res.end(recorded);
    return;
  }
  const backend = attestation && mode === 'rekey' ? (backends[turn++ % backends.length] as number) : (backends[0] as number);
  try {
    const answer = await forward(backend, req);
    if (attestation && mode === 'replay' && answer.status === 200) recorded = answer.body;
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    res.end(answer.body);
  } catch (error) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: `stand-in: ${(error as Error).message}` }));
  }
}

/** The services answer /health once they listen; the stand-in listens after them, so no probe finds it half up. */
async function backendsUp(deadline = Date.now() + 30_000): Promise<void> {
  for (const backendPort of backends) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${backendPort}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the service on :${backendPort} did not come up`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } = process.env;
const server = cert && key ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (q, s) => void handle(q, s)) : createHttpServer((q, s) => void handle(q, s));
await backendsUp();
server.listen(port, '0.0.0.0', () => console.log(`attestation stand-in (${mode}) listening on :${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
