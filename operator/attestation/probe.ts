// One attestation probe: GET /attestation from the pod, over TLS verified against the appliance's CA (or
// plain HTTP when the appliance turned TLS off), with a deadline and a size limit. Whatever goes wrong
// becomes a ProbeOutcome, never an exception; what the pod said is checked by answer.ts.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { ATTESTATION_PATH, attestationQuery, type AttestationRequest } from '../../contracts/attestation.js';
import { checkAnswer } from './answer.js';
import { TrustContexts } from './trust-contexts.js';
import type { ProbeOutcome } from './verdict.js';

/** An honest answer is about 2 KiB; anything past this is refused, not buffered. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** How often one probe's deadline may be found overslept and re-armed (issue 17: a stalled operator). */
export const MAX_STALLED_DEADLINES = 2;

/** A deadline timer firing later than this was overslept by the operator, not missed by the pod. */
export const stallToleranceMs = (timeoutMs: number): number => Math.max(500, timeoutMs / 4);

/** How to reach a pod: its address, and for TLS the name its certificate must carry and the CA to trust. */
export interface ProbeTarget {
  host: string;
  port: number;
  /** undefined: plain HTTP. `ca` undefined: the system's trusted roots (a certificate from a public CA). */
  tls?: { servername: string; ca?: string };
}

/** TLS errors that say the pod's certificate is not one to trust: a verdict, not a network hiccup. */
const CERTIFICATE_ERROR = /CERT|ALTNAME|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** Shared by every probe of the process: a CA's context is made once, not per probe. */
const trust = new TrustContexts();

export function probeAttestation(target: ProbeTarget, request: AttestationRequest, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(outcome);
    };
    // One deadline for the whole exchange: connecting, the TLS handshake, headers and body. A deadline the
    // operator itself slept through (its event loop stalled: GC, CPU starvation) says nothing about the pod,
    // whose answer may be waiting unread: it is re-armed, at most MAX_STALLED_DEADLINES times, so a silent pod
    // is still found unreachable and a stalled operator does not cordon a whole fleet for its own pause.
    let due = performance.now() + timeoutMs;
    let stalled = 0;
    const onDeadline = () => {
      const now = performance.now();
      if (now - due > stallToleranceMs(timeoutMs) && stalled < MAX_STALLED_DEADLINES) {
        stalled += 1;
        due = now + timeoutMs;
        deadline = setTimeout(onDeadline, timeoutMs);
        return;
      }
      finish({ kind: 'unreachable', reason: `no answer within ${timeoutMs} ms` });
    };
    let deadline = setTimeout(onDeadline, timeoutMs);
    const options = { host: target.host, port: target.port, path: `${ATTESTATION_PATH}?${attestationQuery(request)}`, method: 'GET', headers: { accept: 'application/json' }, agent: false };
    // https.request hands its options to tls.connect, secureContext among them (its types omit it).
    const tlsOptions: RequestOptions & Pick<ConnectionOptions, 'secureContext'> | undefined = target.tls && { ...options, servername: target.tls.servername, secureContext: trust.for(target.tls.ca) };
    const req: ClientRequest = tlsOptions ? httpsRequest(tlsOptions) : httpRequest(options);
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (target.tls && CERTIFICATE_ERROR.test(e.code ?? '')) {
        finish({ kind: 'rejected', reason: 'CertificateRejected', message: `the pod's TLS certificate is not trusted for ${target.tls.servername}: ${e.message} (${e.code})` });
      } else if (target.tls && e.code === 'EPROTO') {
        finish({ kind: 'malformed', reason: `the pod does not speak TLS: ${e.message}` });
      } else {
        finish({ kind: 'unreachable', reason: e.message });
      }
    });
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        finish({ kind: 'malformed', reason: `${ATTESTATION_PATH} answered HTTP ${res.statusCode}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          finish({ kind: 'malformed', reason: `the attestation answer exceeds ${MAX_ANSWER_BYTES} bytes` });
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (e) => finish({ kind: 'unreachable', reason: e.message }));
      res.on('end', () => finish(checkAnswer(request, Buffer.concat(chunks).toString('utf8'))));
    });
    req.end();
  });
}

/**
 * At most `limit` tasks in flight across every appliance, so 1,000 pods do not take 1,000 timeouts in a row;
 * a freed slot goes to the appliances in turn (round-robin by key), so one appliance of a hundred pods, or
 * one whose pods all time out, does not make the others wait behind all of its probes.
 */
export class ConcurrencyLimit {
  private active = 0;
  /** Waiting tasks by key, keys in the order they are served next. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, key = ''): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key);
        if (queue) queue.push(resolve);
        else this.waiting.set(key, [resolve]);
      });
    }
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.next();
    }
  }

  /** Starts the first waiting task of the key whose turn it is; that key goes to the back of the line. */
  private next(): void {
    const [key, queue] = this.waiting.entries().next().value ?? [];
    if (key === undefined || !queue) return;
    const resolve = queue.shift();
    this.waiting.delete(key);
    if (queue.length > 0) this.waiting.set(key, queue);
    resolve?.();
  }
}
