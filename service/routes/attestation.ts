import type { FastifyPluginCallback } from 'fastify';
import { ATTESTATION_ALGORITHM, ATTESTATION_PATH, CONTAINER_ID_PATTERN, NONCE_PATTERN, POD_UID_PATTERN } from '../../contracts/attestation.js';
import { attestationAnswer, type AttestationKeySource } from '../attestation/signer.js';
import type { CoreSupervisor } from '../core/supervisor.js';
import type { WorkerCore } from '../workers/fleetState.js';
import { parseAttestationQuery } from './attestationQuery.js';
import { versionDocument, type BuildInfo, type Posture, type VersionLimits } from './versionDocument.js';

export interface AttestationRouteOptions {
  supervisor: CoreSupervisor;
  signer: AttestationKeySource;
  build: BuildInfo;
  limits: VersionLimits;
  posture: Posture;
  startedAt: number;
  workers?: () => WorkerCore[];
}

const DETAIL_SCHEMA = { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] } as const;

const answerSchema = {
  type: 'object',
  required: ['algorithm', 'nonce', 'pod_uid', 'container_id', 'document', 'public_key', 'signature', 'unsigned_reason'],
  properties: {
    algorithm: { type: 'string', const: ATTESTATION_ALGORITHM },
    nonce: { type: 'string' },
    pod_uid: { type: 'string' },
    container_id: { type: 'string' },
    document: { type: 'string', description: 'The /version document, as the exact JSON text that was signed' },
    public_key: { type: ['string', 'null'], description: "The pod's Ed25519 public key (32 bytes, base64), made from its core's bytes at start" },
    signature: { type: ['string', 'null'], description: 'Ed25519 over the domain, nonce, pod_uid, container_id and document, each length-prefixed (contracts/attestation.ts)' },
    unsigned_reason: { type: ['string', 'null'] },
  },
} as const;

/**
 * GET /attestation: the /version document signed for one fresh nonce and the pod and container the asker
 * names. No key needed: the operator attests pods with it, and anyone may check what a pod says.
 */
export const attestationRoute: FastifyPluginCallback<AttestationRouteOptions> = (app, options, done) => {
  app.get(
    ATTESTATION_PATH,
    {
      schema: {
        summary: "This replica's /version document, signed with its core-made key for one nonce",
        tags: ['attestation'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['nonce', 'pod_uid', 'container_id'],
          properties: {
            nonce: { type: 'string', pattern: NONCE_PATTERN.source, description: '32 fresh random bytes, hex' },
            pod_uid: { type: 'string', pattern: POD_UID_PATTERN.source },
            container_id: { type: 'string', pattern: CONTAINER_ID_PATTERN.source },
          },
        },
        response: { 200: answerSchema, 400: { description: 'A missing, repeated, malformed or unknown parameter', ...DETAIL_SCHEMA } },
      },
      // The schema documents the query (OpenAPI); parseAttestationQuery checks it, refusing what Fastify's
      // validator would silently drop (unknown parameters) with a detail that says what is wrong.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const parsed = parseAttestationQuery(request.query as Record<string, unknown>);
      if (!parsed.ok) return reply.code(400).send({ detail: parsed.detail });
      const uptimeS = (Date.now() - options.startedAt) / 1000;
      const document = JSON.stringify(versionDocument(options.supervisor.snapshot(), options.build, options.limits, options.posture, uptimeS, options.workers?.()));
      const key = await options.signer.current().catch((err: Error) => ({ unsigned: `no attestation key: ${err.message}` }));
      const answer = attestationAnswer(parsed.request, document, key);
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );
  done();
};
