// /vrf and the beacon: GET /vrf?alpha=, /vrf/keys, /vrf/beacon/info, /vrf/beacon/latest and
// /vrf/beacon/{round}. Keys and rate limits as for /random; answers only while the core is sealed, since
// each answer names the attested core (fail closed).
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { ANSWER_SCHEMA, PULSE_SCHEMA } from '../../vrf/shape.js';
import { admit, tooMany, type Detail, type Gate } from '../auth/admission.js';
import type { CoreSupervisor } from '../core/supervisor.js';
import { PoolBusy } from '../vrf/threadPool.js';
import { VrfUnavailable, type VrfService } from '../vrf/vrfService.js';
import { parseKeyOnlyQuery, parseRound, parseVrfQuery, type Parsed } from './vrfQuery.js';

export interface VrfRouteOptions extends Gate {
  vrf: VrfService;
  supervisor: CoreSupervisor;
}

/** What a rate limit charges for one answer: its 64-byte output. */
const ANSWER_BYTES = 64;
const JSON_TYPE = 'application/json; charset=utf-8';
const documentedOnly = () => () => true;
/** Answers are JSON made in the VRF threads; they are sent as they are, and error objects as JSON. */
const passThrough = () => (payload: unknown) => (typeof payload === 'string' ? payload : JSON.stringify(payload));

const detail = { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] };
const errors = (entries: [number, string][]) => Object.fromEntries(entries.map(([status, description]) => [status, { description, ...detail }]));
const COMMON_ERRORS: [number, string][] = [
  [401, 'Missing or wrong API key'],
  [429, 'Rate limit exceeded; see Retry-After'],
  [503, 'No VRF keys, the core is not sealed, or the VRF threads are busy (see Retry-After): nothing is served'],
];

export const vrfRoute: FastifyPluginCallback<VrfRouteOptions> = (app, options, done) => {
  const { vrf, supervisor } = options;

  /** Admission, this route's query, the per-key limit and the core's mode: the value to serve with, or the refusal sent. */
  const guard = <T>(request: FastifyRequest, reply: FastifyReply, parse: () => Parsed<T>): { value: T } | Detail => {
    const now = Date.now();
    const admitted = admit(options, request, reply, now);
    if (!('keyId' in admitted)) return admitted;
    const parsed = parse();
    if (!parsed.ok) {
      reply.code(400);
      return { detail: parsed.detail };
    }
    const refusal = options.limits.perKey(admitted.keyId, ANSWER_BYTES, now);
    if (refusal !== null) return tooMany(reply, refusal);
    if (supervisor.mode !== 'sealed') {
      reply.code(503).header('x-r4-mode', supervisor.mode);
      return { detail: `the core is not sealed (mode ${supervisor.mode}): no VRF answers` };
    }
    return { value: parsed.value };
  };

  const failed = (reply: FastifyReply, err: unknown): Detail => {
    reply.code(503);
    if (err instanceof PoolBusy) reply.header('retry-after', '1');
    if (err instanceof VrfUnavailable || err instanceof PoolBusy) return { detail: err.message };
    // A thread's failure (a self-check that did not pass, a thread that died) is a fault worth a log line.
    reply.log.error({ reason: (err as Error).message }, 'VRF answer not sent');
    return { detail: `no answer: ${(err as Error).message}` };
  };

  const sendJson = (reply: FastifyReply, json: Promise<Uint8Array>) =>
    json.then(
      (body) => reply.type(JSON_TYPE).header('cache-control', 'no-store').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength)),
      (err: unknown) => reply.send(failed(reply, err)),
    );

  const keyOnly = (request: FastifyRequest) => () => parseKeyOnlyQuery(request.query as Record<string, unknown>);
  const security: Record<string, string[]>[] = [{ apiKeyHeader: [] }, { apiKeyQuery: [] }];
  const keyQuery = { type: 'object', properties: { key: { type: 'string', description: 'API key (refused when ALLOW_QUERY_KEY=0)' } } };

  app.get(
    '/vrf',
    {
      schema: {
        summary: 'A verifiable random output for alpha: ECVRF (RFC 9381) proof, ML-DSA-65 signature',
        tags: ['vrf'],
        security,
        querystring: { ...keyQuery, required: ['alpha'], properties: { ...keyQuery.properties, alpha: { type: 'string', description: 'The VRF input: hex of 1 to 1024 bytes' } } },
        response: { 200: ANSWER_SCHEMA, ...errors([[400, 'alpha missing, not hex, odd length or too long, or an unknown query parameter'], ...COMMON_ERRORS]) },
      },
      validatorCompiler: documentedOnly,
      serializerCompiler: passThrough,
    },
    (request, reply) => {
      const guarded = guard(request, reply, () => parseVrfQuery(request.query as Record<string, unknown>));
      if (!('value' in guarded)) return guarded;
      let json: Promise<Uint8Array>;
      try {
        json = vrf.answer(guarded.value, Date.now());
      } catch (err) {
        return failed(reply, err);
      }
      return sendJson(reply, json);
    },
  );

  const plain = (path: string, summary: string, body: (request: FastifyRequest, reply: FastifyReply) => unknown, status200: object) =>
    app.get(
      path,
      {
        schema: { summary, tags: ['vrf'], security, querystring: keyQuery, response: { 200: status200, ...errors([[400, 'An unknown query parameter, or a round that is not a decimal integer'], [404, 'A round before genesis or not yet begun'], ...COMMON_ERRORS]) } },
        validatorCompiler: documentedOnly,
        serializerCompiler: passThrough,
      },
      body,
    );

  plain('/vrf/keys', "The appliance's VRF and ML-DSA-65 public keys (current, retired, next) with fingerprints: a trust file for r4 verify", (request, reply) => {
    const guarded = guard(request, reply, keyOnly(request));
    if (!('value' in guarded)) return guarded;
    try {
      return vrf.keysDocument(Date.now());
    } catch (err) {
      return failed(reply, err);
    }
  }, { type: 'object', description: 'contracts/vrf-keys-document.ts' });

  plain('/vrf/beacon/info', "The beacon's chain id, period, genesis and public keys", (request, reply) => {
    const guarded = guard(request, reply, keyOnly(request));
    if (!('value' in guarded)) return guarded;
    try {
      const document = vrf.keysDocument(Date.now());
      return { ...document.beacon, appliance: document.appliance, suite: document.suite, signature_algorithm: document.signature_algorithm, keys: document.keys };
    } catch (err) {
      return failed(reply, err);
    }
  }, { type: 'object', description: 'The beacon info with the keys document\'s keys' });

  const pulse = (reply: FastifyReply, round: number) => {
    let current: number;
    try {
      current = vrf.currentRound(Date.now());
    } catch (err) {
      return failed(reply, err);
    }
    if (round < 1 || round > current) {
      reply.code(404);
      return { detail: current === 0 ? 'the beacon has not begun: its genesis is still ahead' : `round ${round} is not published: the current round is ${current}` };
    }
    return sendJson(reply, vrf.pulse(round));
  };

  plain('/vrf/beacon/latest', 'The pulse of the current round', (request, reply) => {
    const guarded = guard(request, reply, keyOnly(request));
    if (!('value' in guarded)) return guarded;
    try {
      return pulse(reply, vrf.currentRound(Date.now()));
    } catch (err) {
      return failed(reply, err);
    }
  }, PULSE_SCHEMA);

  plain('/vrf/beacon/:round', 'The pulse of a round (1 begins at genesis)', (request, reply) => {
    const round = parseRound((request.params as { round: string }).round);
    const guarded = guard(request, reply, () => (round.ok ? parseKeyOnlyQuery(request.query as Record<string, unknown>) : round));
    if (!('value' in guarded)) return guarded;
    return pulse(reply, (round as { value: number }).value);
  }, PULSE_SCHEMA);

  done();
};
