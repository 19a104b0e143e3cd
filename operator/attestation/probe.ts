// One attestation probe: GET http://<podIP>:<port>/version with a deadline and a size limit, parsed
// strictly. Whatever goes wrong becomes a ProbeOutcome, never an exception.
import { request } from 'node:http';
import { parseVersionDocument } from '../../contracts/version-document.js';
import type { ProbeOutcome } from './verdict.js';

/** An honest /version answer is about 1 KiB; anything past this is refused, not buffered. */
export const MAX_VERSION_BYTES = 64 * 1024;

export function probeVersion(podIP: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(outcome);
    };
    // One deadline for the whole exchange: connecting, headers and body.
    const deadline = setTimeout(() => finish({ kind: 'unreachable', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const req = request({ host: podIP, port, path: '/version', method: 'GET', headers: { accept: 'application/json' }, agent: false });
    req.on('error', (e) => finish({ kind: 'unreachable', reason: e.message }));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        finish({ kind: 'malformed', reason: `/version answered HTTP ${res.statusCode}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_VERSION_BYTES) {
          finish({ kind: 'malformed', reason: `/version answer exceeds ${MAX_VERSION_BYTES} bytes` });
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (e) => finish({ kind: 'unreachable', reason: e.message }));
      res.on('end', () => {
        const parsed = parseVersionDocument(Buffer.concat(chunks).toString('utf8'));
        finish(parsed.ok ? { kind: 'answered', fields: parsed.fields } : { kind: 'malformed', reason: parsed.reason });
      });
    });
    req.end();
  });
}

/** At most `limit` tasks in flight across every appliance, so 1,000 pods do not take 1,000 timeouts in a row. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
