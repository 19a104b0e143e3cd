import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PemFiles, TlsCredentials } from './credentials.js';
import { startReloader, type Reloader } from './reloader.js';

/** A self-signed P-256 certificate and its key, made by the openssl CLI (key and certificate on one stdout). */
function selfSigned(cn: string): PemFiles {
  const pem = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', '-', '-out', '-', '-days', '1', '-subj', `/CN=${cn}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const end = pem.indexOf('-----END PRIVATE KEY-----\n') + '-----END PRIVATE KEY-----\n'.length;
  return { key: Buffer.from(pem.slice(0, end)), cert: Buffer.from(pem.slice(end)) };
}

const POLL_MS = 25;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const [first, second, third] = [selfSigned('first'), selfSigned('second'), selfSigned('third')] as [PemFiles, PemFiles, PemFiles];

let dir: string;
let files: { certFile: string; keyFile: string };
let applied: TlsCredentials[];
let lines: { level: 'info' | 'error'; obj: object; msg: string }[];
let reloader: Reloader | null;
let refuse: string | null;

const write = (pem: PemFiles) => {
  writeFileSync(files.certFile, pem.cert);
  writeFileSync(files.keyFile, pem.key);
};
const errors = () => lines.filter((line) => line.level === 'error');
const subjects = () => applied.map((credentials) => credentials.certificate.subject);

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log: ${JSON.stringify(lines)}`);
    await sleep(POLL_MS);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'r4-tls-reloader-'));
  files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  applied = [];
  lines = [];
  refuse = null;
  write(first);
  reloader = startReloader({
    files,
    inForce: first,
    apply: (credentials) => {
      if (refuse !== null) throw new Error(refuse);
      applied.push(credentials);
    },
    log: {
      info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
      error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    },
    pollMs: POLL_MS,
  });
});

afterEach(async () => {
  await reloader?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('startReloader', () => {
  it('leaves the pair in force alone', async () => {
    await sleep(POLL_MS * 6);
    expect(applied).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('applies a new pair once it has settled, and logs the new certificate', async () => {
    write(second);
    await until('the new pair', () => applied.length > 0);
    await sleep(POLL_MS * 4);
    expect(subjects()).toEqual(['CN=second']);
    expect(lines).toEqual([{ level: 'info', obj: { certificate: applied[0]?.certificate }, msg: 'TLS certificate reloaded' }]);
  });

  it('applies a pair written file by file without a complaint about the moment in between', async () => {
    writeFileSync(files.certFile, second.cert);
    writeFileSync(files.keyFile, second.key);
    await until('the new pair', () => applied.length > 0);
    expect(subjects()).toEqual(['CN=second']);
    expect(errors()).toEqual([]);
  });

  it('refuses a key that is not the certificate\'s once, keeps the pair in force, and applies the repaired pair', async () => {
    writeFileSync(files.certFile, second.cert); // the key stays the first's
    await until('the refusal', () => errors().length > 0);
    await sleep(POLL_MS * 6);
    expect(applied).toEqual([]);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]?.msg).toBe('TLS update refused; keeping the certificate in force');
    expect(JSON.stringify(errors()[0]?.obj)).toMatch(/is not the private key of the certificate in TLS_CERT_FILE/);
    expect(JSON.stringify(lines)).not.toContain('PRIVATE KEY');

    writeFileSync(files.keyFile, second.key);
    await until('the repaired pair', () => applied.length > 0);
    expect(subjects()).toEqual(['CN=second']);
  });

  it('says once that the files cannot be read, and applies them when they are back', async () => {
    unlinkSync(files.keyFile);
    await until('the complaint', () => errors().length > 0);
    await sleep(POLL_MS * 6);
    expect(errors()).toEqual([
      { level: 'error', obj: { reason: `TLS_KEY_FILE ${files.keyFile} cannot be read: ENOENT` }, msg: 'TLS files unreadable; keeping the certificate in force' },
    ]);
    write(third);
    await until('the new pair', () => applied.length > 0);
    expect(subjects()).toEqual(['CN=third']);
  });

  it('keeps the pair in force when the TLS stack refuses the new one', async () => {
    refuse = 'no';
    write(second);
    await until('the refusal', () => errors().length > 0);
    expect(errors()[0]?.obj).toEqual({ reason: 'the TLS stack refused the pair: no' });
  });

  it('polls no more once stopped', async () => {
    await reloader?.stop();
    write(second);
    await sleep(POLL_MS * 6);
    expect(applied).toEqual([]);
    expect(lines).toEqual([]);
  });
});
