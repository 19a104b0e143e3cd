import https from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { TlsCredentials } from './credentials.js';

export interface HttpsServing {
  /** Fastify's `serverFactory`: an HTTPS (HTTP/1.1) server with the credentials in force. */
  serverFactory: FastifyServerFactory;
  /** New connections get these credentials; open connections, and the requests on them, keep theirs. */
  use(credentials: TlsCredentials): void;
  /** For Fastify's listen: its "Server listening at" line names the scheme after its own `https` option. */
  listenTextResolver(address: string): string;
}

/**
 * The service's HTTPS server. It is made here, for Fastify's `serverFactory`, rather than by Fastify's `https`
 * option, so that a reload reaches every server that listens: given `https` and the host name `localhost`,
 * Fastify makes a second server of its own for the other address, which nothing outside Fastify can reach.
 * With a server factory, Fastify listens on the first address a host name resolves to.
 */
export function httpsServing(initial: TlsCredentials): HttpsServing {
  const servers = new Set<https.Server>();
  let inForce = initial;
  return {
    serverFactory: (handler, fastifyOptions) => {
      const server = https.createServer({ cert: inForce.cert, key: inForce.key }, handler);
      // The settings Fastify gives the servers it makes itself (lib/server.js), so HTTPS behaves as HTTP does.
      server.keepAliveTimeout = Number(fastifyOptions.keepAliveTimeout);
      server.requestTimeout = Number(fastifyOptions.requestTimeout);
      server.setTimeout(Number(fastifyOptions.connectionTimeout));
      servers.add(server);
      return server;
    },
    use(credentials) {
      for (const server of servers) server.setSecureContext({ cert: credentials.cert, key: credentials.key });
      inForce = credentials;
    },
    listenTextResolver: (address) => `Server listening at ${address.replace(/^http:/, 'https:')}`,
  };
}
