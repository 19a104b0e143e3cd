import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

/**
 * The ceiling the service is measured against: bare Fastify on the same machine, no logger, no hooks.
 * GET /constant answers a fixed 64-character string (what /random?n=32&fmt=hex returns);
 * GET /bytes answers crypto.randomBytes(1e6) (what /random?n=1000000 returns).
 * GET /random answers the same constant to the service's own request (query, key header) with the service's
 * two extra headers and does nothing else: what the request's and answer's shape alone cost, so the gap
 * between the service and the ceiling can be split into that and the service's work.
 * With TLS_CERT_FILE and TLS_KEY_FILE it serves the same over HTTPS: what TLS costs bare Fastify on this
 * machine, for scale beside what it costs the service.
 */
const CONSTANT = 'f'.repeat(64);

const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = process.env;
const app = Fastify({ logger: false, https: certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : null });
app.get('/constant', (_request, reply) => {
  reply.type('text/plain; charset=utf-8').send(CONSTANT);
});
app.get('/random', (_request, reply) => {
  reply.type('text/plain; charset=utf-8').header('x-r4-mode', 'sealed').header('cache-control', 'no-store').send(CONSTANT);
});
app.get('/bytes', (_request, reply) => {
  reply.type('application/octet-stream').send(randomBytes(1_000_000));
});

const port = Number(process.env.PORT ?? '0');
await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : port })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
