import type { onRequestHookHandler } from 'fastify';
import type { KeyStore } from './keyStore.js';

const INVALID = { detail: 'invalid api key' };

/**
 * Requires a key in force, from header `x-api-key` or query `key` (the header wins when both are sent).
 * Missing and wrong keys get the same answer, so the answer tells nothing about which keys exist.
 */
export function apiKeyHook(keys: KeyStore): onRequestHookHandler {
  return (request, reply, done) => {
    const header = request.headers['x-api-key'];
    const presented = typeof header === 'string' ? header : (request.query as Record<string, unknown>).key;
    const keyId = typeof presented === 'string' ? keys.lookup(presented) : null;
    if (keyId === null) {
      reply.code(401).send(INVALID);
      return;
    }
    request.keyId = keyId;
    done();
  };
}
