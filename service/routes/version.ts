import type { FastifyPluginCallback } from 'fastify';
import type { CoreSupervisor } from '../core/supervisor.js';
import type { WorkerCore } from '../workers/fleetState.js';
import { versionDocumentSchema } from '../../contracts/version-document.js';
import { versionDocument, type BuildInfo, type Posture, type VersionLimits } from './versionDocument.js';

export interface VersionRouteOptions {
  supervisor: CoreSupervisor;
  build: BuildInfo;
  limits: VersionLimits;
  posture: Posture;
  startedAt: number;
  /** With several workers: every worker's core, read at each request (workers/fleetState.ts). */
  workers?: () => WorkerCore[];
}

/** GET /version: no key needed, the operator attests replicas with it. */
export const versionRoute: FastifyPluginCallback<VersionRouteOptions> = (app, options, done) => {
  app.get(
    '/version',
    { schema: { summary: 'Identity, attestation state and core counters of this replica', tags: ['attestation'], response: { 200: versionDocumentSchema } } },
    (_request, reply) => {
      const uptimeS = (Date.now() - options.startedAt) / 1000;
      reply.header('cache-control', 'no-store').send(versionDocument(options.supervisor.snapshot(), options.build, options.limits, options.posture, uptimeS, options.workers?.()));
    },
  );
  done();
};
