import type { Socket } from 'node:net';
import { clientErrorHandler } from './errors.js';

/** What the handler does to a connection: what it writes before closing, and whether it destroys it. */
function connection() {
  const seen = { written: [] as string[], destroyed: false };
  const socket = {
    destroyed: false,
    end: (text: string) => void seen.written.push(text),
    destroy: () => void (seen.destroyed = true),
  } as unknown as Socket;
  return { socket, seen };
}

const error = (code: string) => Object.assign(new Error(code), { code });

describe('clientErrorHandler', () => {
  it('answers a request the HTTP parser refused with JSON, and closes', () => {
    const { socket, seen } = connection();
    clientErrorHandler(error('HPE_INVALID_METHOD'), socket);
    expect(seen.written).toHaveLength(1);
    expect(seen.written[0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n\{"detail":"malformed request"\}$/);
  });

  it.each(['ERR_TLS_HANDSHAKE_TIMEOUT', 'ERR_SSL_WRONG_VERSION_NUMBER'])('destroys a connection whose TLS handshake failed (%s), writing nothing', (code) => {
    const { socket, seen } = connection();
    clientErrorHandler(error(code), socket);
    expect(seen).toEqual({ written: [], destroyed: true });
  });
});
