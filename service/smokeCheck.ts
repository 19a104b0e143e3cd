// A smoke check of a running appliance, as a client sees it: GET /health, then GET /random with a key,
// answered by a sealed core. The Helm chart's `helm test` pod runs it (node dist/service/smokeCheck.js).
// Env: R4_URL (e.g. https://demo.default.svc:8080), R4_CA_FILE (the CA to verify an https R4_URL with:
// the appliance's <name>-ca ConfigMap), R4_API_KEY or R4_API_KEY_FILE (the first key in it),
// R4_WAIT_SECONDS (default 60): how long to keep trying to connect.
// Prints one line per check; exits 0 when every check passed, 1 with the reason otherwise.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseKeysFile } from './auth/keys.js';

const TIMEOUT_MS = 10_000;
const RETRY_MS = 1000;

function apiKey(env: NodeJS.ProcessEnv): string {
  if (env.R4_API_KEY) return env.R4_API_KEY;
  if (!env.R4_API_KEY_FILE) throw new Error('set R4_API_KEY or R4_API_KEY_FILE');
  // The file the service reads, read by the same rules (comments and blank lines skipped); whether a key is
  // long enough is the service's to judge, so short ones are read as demo mode would.
  const [key] = parseKeysFile(readFileSync(env.R4_API_KEY_FILE, 'utf8'), true).keys;
  if (!key) throw new Error(`${env.R4_API_KEY_FILE} holds no key`);
  return key;
}

interface Answer {
  status: number;
  mode: string | undefined;
  text: string;
}

/** One GET; over https, the server's certificate is verified against `ca` (and its name against the URL's). */
function getOnce(url: string, headers: Record<string, string>, ca: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { headers, timeout: TIMEOUT_MS, ...(ca !== undefined && { ca }) };
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, mode: res.headers['x-r4-mode'] as string | undefined, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * GET with a timeout. Connection errors are retried until the deadline: right after an install the
 * Service may not list its newly attested pods yet. An HTTP answer, whatever its status, is final; so is a
 * certificate that does not verify.
 */
async function get(url: string, deadline: number, ca: string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  for (;;) {
    try {
      return await getOnce(url, headers, ca);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (/CERT|ALTNAME|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || Date.now() >= deadline) throw new Error(`GET ${url}: ${(error as Error).message}`);
      await sleep(RETRY_MS);
    }
  }
}

async function check(env: NodeJS.ProcessEnv): Promise<void> {
  const base = env.R4_URL;
  if (!base) throw new Error('set R4_URL to the appliance, e.g. https://demo.default.svc:8080');
  const key = apiKey(env);
  const ca = env.R4_CA_FILE ? readFileSync(env.R4_CA_FILE, 'utf8') : undefined;
  const waitSeconds = Number(env.R4_WAIT_SECONDS ?? '60');
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0) throw new Error(`R4_WAIT_SECONDS must be a whole number of seconds (got "${env.R4_WAIT_SECONDS}")`);
  const deadline = Date.now() + waitSeconds * 1000;

  const health = await get(new URL('/health', base).href, deadline, ca);
  if (health.status !== 200 || health.text !== '"ok"') throw new Error(`GET /health answered ${health.status} ${health.text}`);
  console.log(`ok   GET /health -> 200 ${health.text}${base.startsWith('https:') ? ' (TLS, certificate verified)' : ''}`);

  const random = await get(new URL('/random?n=32&fmt=hex', base).href, deadline, ca, { 'x-api-key': key });
  const { text: body, mode } = random;
  if (random.status !== 200) throw new Error(`GET /random answered ${random.status} ${body}`);
  if (!/^[0-9a-f]{64}$/.test(body)) throw new Error(`GET /random answered ${body.length} characters that are not 32 bytes of hex`);
  if (mode !== 'sealed') throw new Error(`GET /random was answered in mode ${mode}, not sealed`);
  // The bytes themselves are not printed: they may be someone's key material.
  console.log('ok   GET /random?n=32&fmt=hex -> 200, 64 hex characters, x-r4-mode: sealed');
}

check(process.env).then(
  () => console.log('r4 smoke check passed'),
  (error: unknown) => {
    console.error(`r4 smoke check failed: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
