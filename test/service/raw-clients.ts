// Clients that misbehave on purpose, on raw sockets: they ask and never read, or never finish asking.
import { connect, type Socket } from 'node:net';

export interface StuckClient {
  socket: Socket;
  /** The first bytes of the answer (its status line and headers, and the start of its body), once they arrived. */
  head: Promise<string>;
  /** Resolves when the connection has closed, from either side. */
  closed: Promise<void>;
}

function target(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/**
 * Asks for `path` and stops reading at the first bytes of the answer: the rest of the answer stays with the
 * server, as with a client that asks for a lot and never reads.
 */
export function askAndNeverRead(url: string, path: string, headers: Record<string, string>, localAddress?: string): StuckClient {
  const socket = connect({ ...target(url), localAddress });
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: r4\r\n${lines}\r\n`);
  const head = new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1'));
    });
    socket.once('error', reject);
  });
  head.catch(() => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, head, closed };
}

/**
 * Slow loris: sends the start of a request, then one header byte every `dribbleMs`, and never ends the
 * headers. Resolves `closed` when the server gives up on it (or the socket is destroyed).
 */
export function dribbleHeaders(url: string, dribbleMs: number): StuckClient & { answer: () => string } {
  const socket = connect(target(url));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write('GET /health HTTP/1.1\r\nHost: r4\r\nX-Slow: ');
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write('a');
  }, dribbleMs);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve();
    }),
  );
  return { socket, head: Promise.resolve(''), closed, answer: () => received };
}
