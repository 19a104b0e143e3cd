// STAND-IN for an entropy pod, as the stand-in hub serves it: the routes the operator and the kubelet call
// (/attestation, /version, /health, /ready), answered with the service's own code (versionDocument,
// attestationMessage, the signer's key derivation, modeFor) from what the real core measured once at the
// hub's start. What differs from a real pod, and is not attested: the key's seed comes from the hub's
// CSPRNG, not from the core, and there is no core process (core.pid is null).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ATTESTATION_PATH } from '../../../contracts/attestation.js';
import type { ManifestResult } from '../../../contracts/manifest.js';
import { attestationAnswer, signingKeyFromSeed, type SigningKey } from '../../../service/attestation/signer.js';
import type { ServiceConfig } from '../../../service/config.js';
import { integrityVerdict } from '../../../service/core/integrity.js';
import { canServe, modeFor } from '../../../service/core/mode.js';
import type { SelftestReport } from '../../../service/core/selftest.js';
import type { AttestationSnapshot } from '../../../service/core/supervisor.js';
import { parseAttestationQuery } from '../../../service/routes/attestationQuery.js';
import { versionDocument, type BuildInfo } from '../../../service/routes/versionDocument.js';
import type { Tamper } from './protocol.js';

/** What the hub measured of this checkout's core at its start: the same for every pod it serves. */
export interface CoreFacts {
  sha256: string;
  /** The hash of the same core with one byte changed (programs.ts tamperedCore). */
  tamperedSha256: string;
  manifest: ManifestResult;
  selftest: SelftestReport;
  /** Where the hub's copy of the measured core is: what /version reports as sealed_core. */
  sealedCore: string;
}

const FAILED_SELFTEST: SelftestReport = { selftest: 'fail', detail: 'self-test failed: the stand-in hub was told to fail it' };

/** A query as Fastify parses one: a repeated parameter becomes an array (parseAttestationQuery refuses it). */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

export class StandInPod {
  tamper: Tamper | undefined;
  private key: SigningKey | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly config: ServiceConfig,
    private readonly core: CoreFacts,
    private readonly build: BuildInfo,
  ) {}

  snapshot(): AttestationSnapshot {
    const measured = this.tamper === 'hash' ? this.core.tamperedSha256 : this.core.sha256;
    const integrity = integrityVerdict({ ok: true, sha256: measured }, this.core.manifest, this.config.expectedCoreSha256);
    const selftest = this.tamper === 'selftest' ? FAILED_SELFTEST : this.core.selftest;
    const { mode, reason } = modeFor({
      integrity: integrity.integrity,
      integrityDetail: integrity.detail,
      selftest: selftest.selftest,
      selftestDetail: selftest.detail,
      coreRunning: true,
      coreDetail: 'running',
      strictFips: this.config.strictFips,
    });
    return {
      integrity,
      selftest,
      mode,
      reason,
      modeChanges: 0,
      sealedCore: this.core.sealedCore,
      core: { state: 'running', pid: null, starts: 1, restarts: 0, counters: null, lastExit: null, nextAttemptInMs: null },
    };
  }

  private document(snapshot: AttestationSnapshot): string {
    const limits = { maxBytesPerRequest: this.config.maxBytesPerRequest, rateLimits: this.config.rateLimits };
    const posture = { strictFips: this.config.strictFips, demo: this.config.demo };
    return JSON.stringify(versionDocument(snapshot, this.build, limits, posture, (Date.now() - this.startedAt) / 1000));
  }

  /** As service/attestation/signer.ts: made at the first answer while sealed, then kept for the container's life. */
  private signingKey(snapshot: AttestationSnapshot): SigningKey | undefined {
    if (!this.key && snapshot.mode === 'sealed') this.key = signingKeyFromSeed(randomBytes(32));
    return this.key;
  }

  /** Answers one request; false when told to stay silent (the caller keeps the connection hanging). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.tamper === 'silent') return false;
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { detail: `${req.method} is not allowed here` }), true;
    const snapshot = this.snapshot();
    switch (url.pathname) {
      case '/health':
        send(200, '"ok"');
        break;
      case '/ready':
        if (canServe(snapshot.mode)) send(200, { mode: snapshot.mode });
        else send(503, { detail: `not ready: ${snapshot.reason ?? 'mode blocked'}`, mode: snapshot.mode });
        break;
      case '/version':
        send(200, this.document(snapshot));
        break;
      case ATTESTATION_PATH:
        send(...this.attestation(url, snapshot));
        break;
      default:
        send(404, { detail: `${url.pathname} is not served by this stand-in pod` });
    }
    return true;
  }

  private attestation(url: URL, snapshot: AttestationSnapshot): [number, unknown] {
    const parsed = parseAttestationQuery(queryOf(url));
    if (!parsed.ok) return [400, { detail: parsed.detail }];
    const document = this.document(snapshot);
    const key = this.tamper === 'unsigned' ? undefined : this.signingKey(snapshot);
    const unsignedReason = this.tamper === 'unsigned' ? 'the stand-in hub was told to answer unsigned' : `no attestation key: the core has not served sealed yet (mode ${snapshot.mode}: ${snapshot.reason ?? 'starting'})`;
    const answer = attestationAnswer(parsed.request, document, key ?? { unsigned: unsignedReason });
    return [200, answer];
  }
}
