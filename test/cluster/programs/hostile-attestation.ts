// STAND-IN for a hostile pod: it is healthy to the kubelet (/ready, /health answer 200) but answers the
// operator's probes (/attestation, /version) in a way meant to hurt the prober. R4_HOSTILE picks how:
//   slowloris  headers at once, then one byte of body every second, never finishing
//   huge       a 10 MB body (the operator refuses anything past MAX_ANSWER_BYTES)
//   malformed  a 200 with a body that is not JSON
// Listens on $PORT with the pod's TLS certificate when TLS_CERT_FILE/TLS_KEY_FILE are set, else plain HTTP.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ATTESTATION_PATH } from '../../../contracts/attestation.js';

const mode = process.env.R4_HOSTILE;
if (mode !== 'slowloris' && mode !== 'huge' && mode !== 'malformed') throw new Error(`R4_HOSTILE must be slowloris, huge or malformed (got ${mode})`);
const port = Number(process.env.PORT ?? '8080');
const HUGE_BYTES = 10 * 1024 * 1024;
/** A slow answer stops after this many bytes, so no connection outlives a test by much. */
const SLOW_BYTES_LIMIT = 600;

function slowloris(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(SLOW_BYTES_LIMIT + 1) });
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || ++sent > SLOW_BYTES_LIMIT) {
      clearInterval(timer);
      res.destroy();
      return;
    }
    res.write(' ');
  }, 1000);
  res.on('close', () => clearInterval(timer));
}

function huge(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HUGE_BYTES) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = HUGE_BYTES;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  if (path !== ATTESTATION_PATH && path !== '/version') {
    res.setHeader('content-type', 'application/json');
    res.end('"ok"');
    return;
  }
  if (mode === 'slowloris') slowloris(res);
  else if (mode === 'huge') huge(res);
  else {
    res.setHeader('content-type', 'application/json');
    res.end('{"algorithm": "ed25519", "nonce": ');
  }
}

const { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } = process.env;
const server = cert && key ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, handle) : createHttpServer(handle);
server.listen(port, '0.0.0.0', () => console.log(`hostile-attestation stand-in (${mode}) listening on :${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
