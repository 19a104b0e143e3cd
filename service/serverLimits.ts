import type { Server } from 'node:http';
import type { ServerTimeouts } from './config.js';

/**
 * Node checks the headers and request timeouts of every connection on a timer, every 30 s by default, so a
 * connection could outlive its timeout by that much; a check every second keeps the overshoot small (each
 * check walks the open connections, at most MAX_CONNECTIONS of them).
 */
const CONNECTIONS_CHECK_MS = 1_000;

/**
 * The server's side of "no client can starve the service": how long a connection may take to send a request
 * and may sit idle, and how many there may be. Set on the server Fastify made (HTTP) or the one tls/ made
 * (HTTPS), before it listens: Node reads the checking interval when it starts listening.
 */
export function applyServerLimits(server: Server, timeouts: ServerTimeouts, maxConnections: number): void {
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  // A connection with no traffic either way for this long is destroyed, whatever it is waiting for: a client
  // that stopped reading its answer gives the answer's memory back here.
  server.setTimeout(timeouts.idleMs);
  // Connections beyond this are closed as they arrive (Node's 'drop'), so their number cannot outgrow memory.
  server.maxConnections = maxConnections;
  Object.assign(server, { connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, timeouts.headersMs) });
}
