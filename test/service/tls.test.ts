// HTTPS: a real service on 127.0.0.1 with certificates made here (test/support/test-certificates.ts) in a
// directory laid out and updated the way kubelet updates a Secret volume; the refusals of the configuration,
// through the real entry point.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';
import { createTestCa, issueServerCertificate, type ServerCertificate, type TestCa } from '../support/test-certificates.js';
import { KEY, ROOT, scratchDir, startTestService, waitUntil, type TestService } from './harness.js';

const MAIN = join(ROOT, 'dist', 'service', 'main.js');

/**
 * kubelet's atomic writer: each update is a new timestamped directory, `..data` is swapped to it by renaming a
 * new symlink over the old one (one atomic step for both files), and `tls.crt` and `tls.key` are symlinks
 * through `..data` that never change. The previous directory is removed afterwards.
 */
class SecretVolume {
  private generation = 0;

  constructor(readonly dir: string) {}

  get certFile(): string {
    return join(this.dir, 'tls.crt');
  }

  get keyFile(): string {
    return join(this.dir, 'tls.key');
  }

  write(cert: Buffer, key: Buffer): void {
    const data = join(this.dir, '..data');
    const previous = existsSync(data) ? readlinkSync(data) : null;
    const version = `..2026_01_01_00_00_00.${String(++this.generation).padStart(9, '0')}`;
    mkdirSync(join(this.dir, version));
    writeFileSync(join(this.dir, version, 'tls.crt'), cert);
    writeFileSync(join(this.dir, version, 'tls.key'), key, { mode: 0o600 });
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), data);
    if (previous === null) {
      symlinkSync('..data/tls.crt', this.certFile);
      symlinkSync('..data/tls.key', this.keyFile);
    } else {
      rmSync(join(this.dir, previous), { recursive: true });
    }
  }
}

/** The serial number of the certificate a new connection is shown (the client trusts `ca`). */
function presentedSerial(url: string, ca: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no TLS handshake within 5 s')));
  });
}

interface Fetched {
  status: number;
  body: Buffer;
  reusedSocket: boolean;
  serial: string;
}

function httpsGet(url: string, options: https.RequestOptions): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { headers: { 'x-api-key': KEY }, ...options }, (response) => {
      // Read now: once the answer has ended, a kept-alive socket goes back to its agent.
      const serial = (response.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), reusedSocket: request.reusedSocket, serial }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${url}: no answer within 10 s`)));
  });
}

const logged = (t: TestService, message: string) => () => Promise.resolve(t.logs.filter((line) => line.includes(`"msg":"${message}"`)));

let scratch: { dir: string; remove(): void };
let ca: TestCa;
let first: ServerCertificate;
let second: ServerCertificate;
let third: ServerCertificate;
let volume: SecretVolume;
let volumes = 0;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  scratch = scratchDir('tls');
  ca = await createTestCa(scratch.dir);
  const issue = (name: string) => issueServerCertificate(ca, scratch.dir, name);
  [first, second, third] = await Promise.all([issue('first'), issue('second'), issue('third')]);
});

afterAll(() => scratch?.remove());

beforeEach(() => {
  volume = new SecretVolume(join(scratch.dir, `volume-${++volumes}`));
  mkdirSync(volume.dir);
  volume.write(first.chain, first.key);
});

/** Run after each test, last first, even one that timed out: nothing a test started outlives it. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startTls(env: Record<string, string> = {}): Promise<TestService> {
  const t = await startTestService({ TLS_CERT_FILE: volume.certFile, TLS_KEY_FILE: volume.keyFile, ...env });
  cleanups.push(() => t.stop());
  return t;
}

describe('HTTPS', () => {
  it('serves /random to a client that trusts the CA, and to no other', async () => {
    const t = await startTls();
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpsGet(`${t.url}/random?n=32&fmt=hex`, { ca: ca.pem, agent: false });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(answer.serial).toBe(first.serial);
    await expect(httpsGet(`${t.url}/random?n=32&fmt=hex`, { agent: false })).rejects.toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });

    const loaded = await logged(t, 'TLS certificate loaded')();
    expect(loaded).toHaveLength(1);
    expect(JSON.parse(loaded[0] as string)).toMatchObject({ component: 'tls', certificate: { subject: 'CN=first', issuer: 'CN=r4-test-ca', serial: first.serial } });
    expect(t.logs.join('')).not.toMatch(/PRIVATE KEY|BEGIN/);
  });

  it('answers a plain HTTP request on its port with no bytes', async () => {
    const t = await startTls();
    const outcome = await new Promise<string>((resolve) => {
      const request = http.get(`${t.url.replace('https:', 'http:')}/random?n=32&fmt=hex`, { headers: { 'x-api-key': KEY }, agent: false }, (response) => {
        response.resume();
        resolve(`status ${response.statusCode}`);
      });
      request.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      request.setTimeout(5_000, () => request.destroy(new Error('no answer within 5 s')));
    });
    expect(outcome).toMatch(/^(ECONNRESET|status 4\d\d)$/);
    expect((await httpsGet(`${t.url}/health`, { ca: ca.pem, agent: false })).status).toBe(200); // and it still serves HTTPS
  });

  it('serves a rotated certificate to new connections within seconds, dropping neither a slow download nor a kept-alive connection', async () => {
    const t = await startTls({ MAX_BYTES_PER_REQUEST: '16000000', RATE_LIMIT_BYTES_PER_S: '0' });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.pem });
    cleanups.push(() => agent.destroy());
    const kept = await httpsGet(`${t.url}/random?n=8`, { agent });
    expect(kept).toMatchObject({ status: 200, reusedSocket: false, serial: first.serial });

    // A download started before the rotation and read slowly while it happens: a pause after every chunk.
    const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
      https.get(`${t.url}/random?n=16000000`, { headers: { 'x-api-key': KEY }, ca: ca.pem, agent: false }, resolve).on('error', reject),
    );
    cleanups.push(() => response.destroy());
    expect(response.statusCode).toBe(200);
    const chunks: Buffer[] = [];
    let slow = true;
    let pause: NodeJS.Timeout | undefined;
    cleanups.push(() => clearTimeout(pause));
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!slow) return;
      response.pause();
      pause = setTimeout(() => response.resume(), 20);
    });
    const downloaded = once(response, 'end');
    await waitUntil('the download to be under way', async () => chunks.length, (n) => n > 0);

    volume.write(second.chain, second.key);
    const rotated = Date.now();
    await waitUntil('new connections to get the new certificate', () => presentedSerial(t.url, ca.pem), (serial) => serial === second.serial, 10_000);
    process.stderr.write(`r4 tls test: the new certificate served ${Date.now() - rotated} ms after the rotation\n`);
    const received = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    expect(received).toBeLessThan(16_000_000); // still under way when the new certificate was in force

    // The kept-alive connection still works, on the certificate it was opened with.
    expect(await httpsGet(`${t.url}/random?n=8`, { agent })).toMatchObject({ status: 200, reusedSocket: true, serial: first.serial });

    slow = false;
    response.resume();
    await downloaded;
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(16_000_000);
    // Intact: encrypted from the answer's own bytes before they were wiped, not zeros or another answer's.
    expect(body.includes(Buffer.alloc(16))).toBe(false);

    const reloaded = await logged(t, 'TLS certificate reloaded')();
    expect(reloaded).toHaveLength(1);
    expect(JSON.parse(reloaded[0] as string)).toMatchObject({ certificate: { subject: 'CN=second', serial: second.serial } });
  });

  it('refuses an update whose key is not its certificate\'s, keeps serving the certificate in force, and takes the next good one', async () => {
    const t = await startTls();
    volume.write(second.chain, third.key);
    const [refusal] = await waitUntil('the refusal', logged(t, 'TLS update refused; keeping the certificate in force'), (lines) => lines.length > 0, 10_000);
    expect(JSON.parse(refusal as string)).toMatchObject({
      level: 50,
      reason: `TLS_KEY_FILE ${volume.keyFile} is not the private key of the certificate in TLS_CERT_FILE ${volume.certFile} (serial ${second.serial}, CN=second)`,
    });
    expect(await presentedSerial(t.url, ca.pem)).toBe(first.serial);
    expect((await httpsGet(`${t.url}/random?n=8`, { ca: ca.pem, agent: false })).status).toBe(200);

    volume.write(third.chain, third.key);
    await waitUntil('the next good pair', () => presentedSerial(t.url, ca.pem), (serial) => serial === third.serial, 10_000);
    expect(await logged(t, 'TLS update refused; keeping the certificate in force')()).toHaveLength(1);
    expect(t.logs.join('')).not.toMatch(/PRIVATE KEY|BEGIN/);
  });
});

describe('node dist/service/main.js refuses, with exit code 2 and one line', () => {
  async function refusal(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', API_KEY: KEY, PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, stderr };
  }

  it('plain HTTP on an address other hosts can reach (ALLOW_PLAIN_HTTP=1 allows it: config.test.ts)', async () => {
    expect(await refusal({ API_HOST: '0.0.0.0' })).toEqual({
      code: 2,
      stderr:
        'r4 service: invalid configuration: plain HTTP is served on a loopback address only, and API_HOST is "0.0.0.0": give TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS, or set ALLOW_PLAIN_HTTP=1 to serve plain HTTP there\n',
    });
  });

  it('one TLS file without the other', async () => {
    expect(await refusal({ API_HOST: '127.0.0.1', TLS_CERT_FILE: volume.certFile })).toEqual({
      code: 2,
      stderr: 'r4 service: invalid configuration: set both TLS_CERT_FILE and TLS_KEY_FILE, or neither (only TLS_CERT_FILE is set)\n',
    });
  });

  it('a key that is not the certificate\'s, or a file it cannot read', async () => {
    volume.write(first.chain, second.key);
    expect(await refusal({ API_HOST: '127.0.0.1', TLS_CERT_FILE: volume.certFile, TLS_KEY_FILE: volume.keyFile })).toEqual({
      code: 2,
      stderr: `r4 service: invalid configuration: TLS_KEY_FILE ${volume.keyFile} is not the private key of the certificate in TLS_CERT_FILE ${volume.certFile} (serial ${first.serial}, CN=first)\n`,
    });
    const missing = join(volume.dir, 'missing.crt');
    expect(await refusal({ API_HOST: '127.0.0.1', TLS_CERT_FILE: missing, TLS_KEY_FILE: volume.keyFile })).toEqual({
      code: 2,
      stderr: `r4 service: invalid configuration: TLS_CERT_FILE ${missing} cannot be read: ENOENT\n`,
    });
  });

  it('a certificate file that holds no certificate', async () => {
    volume.write(first.key, first.key);
    expect(await refusal({ API_HOST: '127.0.0.1', TLS_CERT_FILE: volume.certFile, TLS_KEY_FILE: volume.keyFile })).toEqual({
      code: 2,
      stderr: `r4 service: invalid configuration: TLS_CERT_FILE ${volume.certFile} holds no PEM certificate (ERR_OSSL_PEM_NO_START_LINE)\n`,
    });
  });
});
