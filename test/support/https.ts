// HTTPS as a client in the cluster does it: the pod's address, the Service name its certificate must
// carry, and the CA from the appliance's <name>-ca ConfigMap. One connection per request.
import { request } from 'node:https';

export interface TlsTarget {
  ca: string;
  servername: string;
}

export function httpsGet(url: string, tls: TlsTarget, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: timeoutMs, ca: tls.ca, servername: tls.servername }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
