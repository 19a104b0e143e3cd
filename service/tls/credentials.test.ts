import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCredentials, loadCredentials, type PemFiles } from './credentials.js';

/** A self-signed P-256 certificate and its key, made by the openssl CLI (key and certificate on one stdout). */
function selfSigned(cn: string): PemFiles {
  const pem = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', '-', '-out', '-', '-days', '1', '-subj', `/O=r4 test/CN=${cn}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const end = pem.indexOf('-----END PRIVATE KEY-----\n') + '-----END PRIVATE KEY-----\n'.length;
  return { key: Buffer.from(pem.slice(0, end)), cert: Buffer.from(pem.slice(end)) };
}

const files = { certFile: '/etc/r4/tls/tls.crt', keyFile: '/etc/r4/tls/tls.key' };
const one = selfSigned('one.r4.test');
const two = selfSigned('two.r4.test');

describe('checkCredentials', () => {
  it('accepts a certificate with its own key and sums the certificate up for the log', () => {
    const checked = checkCredentials(files, one);
    if (!checked.ok) throw new Error(checked.error);
    const x509 = new X509Certificate(one.cert);
    expect(checked.value.certificate).toEqual({
      subject: 'O=r4 test, CN=one.r4.test',
      issuer: 'O=r4 test, CN=one.r4.test',
      serial: x509.serialNumber,
      not_after: x509.validToDate.toISOString(),
    });
    expect(checked.value.cert).toBe(one.cert);
    expect(checked.value.key).toBe(one.key);
  });

  it('accepts a chain: the first certificate is the one the key must belong to', () => {
    expect(checkCredentials(files, { cert: Buffer.concat([one.cert, two.cert]), key: one.key }).ok).toBe(true);
    expect(checkCredentials(files, { cert: Buffer.concat([two.cert, one.cert]), key: one.key }).ok).toBe(false);
  });

  it('refuses a key that is not the certificate\'s, naming the files and the certificate, never the key', () => {
    const checked = checkCredentials(files, { cert: one.cert, key: two.key });
    expect(checked).toEqual({
      ok: false,
      error: `TLS_KEY_FILE /etc/r4/tls/tls.key is not the private key of the certificate in TLS_CERT_FILE /etc/r4/tls/tls.crt (serial ${new X509Certificate(one.cert).serialNumber}, O=r4 test, CN=one.r4.test)`,
    });
  });

  it('refuses a key of another type than the certificate\'s', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(checkCredentials(files, { cert: one.cert, key: Buffer.from(rsa) })).toMatchObject({ ok: false, error: expect.stringContaining('is not the private key of the certificate') });
  });

  it('refuses files that hold no certificate or no private key, quoting none of their contents', () => {
    const noCert = checkCredentials(files, { cert: one.key, key: one.key });
    expect(noCert).toMatchObject({ ok: false, error: expect.stringMatching(/^TLS_CERT_FILE \/etc\/r4\/tls\/tls.crt holds no PEM certificate \(\S+\)$/) });
    const noKey = checkCredentials(files, { cert: one.cert, key: one.cert });
    expect(noKey).toMatchObject({ ok: false, error: expect.stringMatching(/^TLS_KEY_FILE \/etc\/r4\/tls\/tls.key holds no usable PEM private key \(\S+\)$/) });
    const secret = Buffer.from('-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n');
    const garbled = checkCredentials(files, { cert: one.cert, key: secret });
    expect(garbled.ok).toBe(false);
    if (!garbled.ok) expect(garbled.error).not.toContain('c2VjcmV0');
  });
});

describe('loadCredentials', () => {
  it('reads both files, and says which one cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r4-tls-credentials-'));
    try {
      const onDisk = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
      writeFileSync(onDisk.certFile, one.cert);
      expect(await loadCredentials(onDisk)).toEqual({ ok: false, error: `TLS_KEY_FILE ${onDisk.keyFile} cannot be read: ENOENT` });
      writeFileSync(onDisk.keyFile, one.key);
      expect(await loadCredentials(onDisk)).toMatchObject({ ok: true, value: { certificate: { subject: 'O=r4 test, CN=one.r4.test' } } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
