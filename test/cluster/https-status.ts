// One GET against a component's HTTPS endpoint, authenticated with the cluster's admin certificate.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface ClientTls {
  caCert: string;
  clientCert: string;
  clientKey: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Resolves with the answer, or with undefined when nothing answered (refused, reset, timed out). */
export function httpsGet(url: string, tls: ClientTls, timeoutMs = 2000): Promise<HttpAnswer | undefined> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        ca: readFileSync(tls.caCert),
        cert: readFileSync(tls.clientCert),
        key: readFileSync(tls.clientKey),
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
