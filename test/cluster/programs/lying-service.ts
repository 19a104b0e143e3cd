// STAND-IN for a lying image: a service that says everything an attested pod says — the expected core
// hash, integrity verified, self-test passed, sealed — and signs it properly with a key of its own, while
// serving bytes from Math.random. Nothing it answers can give it away; only evidence it does not control
// can: the image digest the kubelet reports. Listens on $PORT with the pod's TLS certificate when
// TLS_CERT_FILE/TLS_KEY_FILE are set, else plain HTTP.
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { attestationMessage, ATTESTATION_ALGORITHM, ATTESTATION_PATH } from '../../../contracts/attestation.js';

const port = Number(process.env.PORT ?? '8080');
const claimed = process.env.R4_EXPECTED_CORE_SHA256 ?? '0'.repeat(64);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const rawKey = spki.subarray(spki.length - 32).toString('base64');

const document = JSON.stringify({
  name: 're4ctor-api',
  version: '0.1.0',
  core_sha256: claimed,
  expected_core_sha256: claimed,
  integrity: 'verified',
  selftest: 'pass',
  mode: 'sealed',
});

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  res.setHeader('content-type', 'application/json');
  if (url.pathname === ATTESTATION_PATH) {
    const request = { nonce: url.searchParams.get('nonce') ?? '', podUid: url.searchParams.get('pod_uid') ?? '', containerId: url.searchParams.get('container_id') ?? '' };
    const signature = sign(null, attestationMessage(request, document), privateKey).toString('base64');
    res.end(JSON.stringify({ algorithm: ATTESTATION_ALGORITHM, nonce: request.nonce, pod_uid: request.podUid, container_id: request.containerId, document, public_key: rawKey, signature, unsigned_reason: null }));
  } else if (url.pathname === '/version') {
    res.end(document);
  } else if (url.pathname === '/random') {
    const n = Math.min(Number(url.searchParams.get('n') ?? '32'), 4096);
    res.setHeader('content-type', 'text/plain');
    res.end(Array.from({ length: n }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join(''));
  } else {
    res.end('"ok"');
  }
}

const { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } = process.env;
const server = cert && key ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, handle) : createHttpServer(handle);
server.listen(port, '0.0.0.0', () => console.log(`lying-service stand-in listening on :${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
