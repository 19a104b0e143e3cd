// The calls `r4 random|vrf|beacon|keys` make: one GET each, with the key in the x-api-key header (never in
// the URL), over HTTPS with R4_CA_FILE's authority when given, bounded in time and size.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { UsageError } from './usage.js';

export interface Endpoint {
  url: URL;
  apiKey: string;
  ca?: Buffer;
}

export interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

const TIMEOUT_MS = 30_000;
/** The largest /random answer (16 MiB as hex) and some room. */
const MAX_BODY_BYTES = 40 * 1024 * 1024;

export function endpointFrom(flags: { url?: string; key?: string; ca?: string }, env: NodeJS.ProcessEnv): Endpoint {
  const url = flags.url ?? env.R4_URL;
  const apiKey = flags.key ?? env.R4_API_KEY;
  const caFile = flags.ca ?? env.R4_CA_FILE;
  if (!url) throw new UsageError('no service: set R4_URL (e.g. https://r4.example:8080) or pass --url');
  if (!apiKey) throw new UsageError('no API key: set R4_API_KEY or pass --key');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`R4_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('R4_URL must be http:// or https://');
  let ca: Buffer | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile);
    } catch (err) {
      throw new UsageError(`cannot read R4_CA_FILE ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return ca === undefined ? { url: parsed, apiKey } : { url: parsed, apiKey, ca };
}

export function get(endpoint: Endpoint, path: string, query: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(path, endpoint.url);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers: { 'x-api-key': endpoint.apiKey }, timeout: TIMEOUT_MS, ...(endpoint.ca ? { ca: endpoint.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
