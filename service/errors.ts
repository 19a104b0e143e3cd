import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Every error is `{"detail": "..."}`; a 4xx says what was wrong, a 5xx says nothing about the internals. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ detail: 'internal error' });
    }
    return reply.code(status).send({ detail: error.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'not found' }));
}

/** Errors Fastify raises before routing (a malformed percent-encoding in the path, an over-long parameter). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  reply.code(status).send({ detail: error.code === 'FST_ERR_BAD_URL' ? 'malformed url' : error.message });
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request timeout'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'request headers too large'],
};

/**
 * Requests Node's HTTP parser rejects never reach a route; they get the same JSON shape. Over HTTPS, a failed
 * or timed-out TLS handshake (OpenSSL's ERR_SSL_*, Node's ERR_TLS_*) comes here too: there is no channel to
 * answer on, and a socket left to end() would stay open for good, so it is destroyed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (err.code?.startsWith('ERR_SSL_') || err.code?.startsWith('ERR_TLS_')) {
    socket.destroy();
    return;
  }
  const [status, text, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'malformed request'];
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
