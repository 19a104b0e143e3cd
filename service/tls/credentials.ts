import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TlsFiles } from '../config.js';

/** The contents of TLS_CERT_FILE and TLS_KEY_FILE, as read, not yet checked. */
export interface PemFiles {
  cert: Buffer;
  key: Buffer;
}

/** What is logged of a certificate: whom it names, which one it is, until when. Never anything of the key. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  not_after: string;
}

/** A certificate (chain) and the private key of its first certificate, checked to belong together. */
export interface TlsCredentials extends PemFiles {
  certificate: CertificateSummary;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** Reads both files (through symlinks, as a Kubernetes Secret volume has them). */
export async function readPemFiles(files: TlsFiles): Promise<Checked<PemFiles>> {
  const read = (variable: string, path: string) =>
    readFile(path).then(
      (bytes): Checked<Buffer> => ({ ok: true, value: bytes }),
      (err: unknown): Checked<Buffer> => ({ ok: false, error: `${variable} ${path} cannot be read: ${reason(err)}` }),
    );
  const [cert, key] = await Promise.all([read('TLS_CERT_FILE', files.certFile), read('TLS_KEY_FILE', files.keyFile)]);
  if (!cert.ok) return cert;
  if (!key.ok) return key;
  return { ok: true, value: { cert: cert.value, key: key.value } };
}

/**
 * Both files must parse, and the key must be the certificate's: a server with a key that does not match its
 * certificate fails every handshake, so such a pair is refused before it is used (at start, or on a reload,
 * which then keeps the pair in force). Messages name the files, never their contents.
 */
export function checkCredentials(files: TlsFiles, pem: PemFiles): Checked<TlsCredentials> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem.cert);
  } catch (err) {
    return { ok: false, error: `TLS_CERT_FILE ${files.certFile} holds no PEM certificate (${reason(err)})` };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.key);
  } catch (err) {
    return { ok: false, error: `TLS_KEY_FILE ${files.keyFile} holds no usable PEM private key (${reason(err)})` };
  }
  const summary = summarize(certificate);
  if (!belongsTo(certificate, key)) {
    return {
      ok: false,
      error: `TLS_KEY_FILE ${files.keyFile} is not the private key of the certificate in TLS_CERT_FILE ${files.certFile} (serial ${summary.serial}, ${summary.subject})`,
    };
  }
  return { ok: true, value: { ...pem, certificate: summary } };
}

/** Reads and checks both files. */
export async function loadCredentials(files: TlsFiles): Promise<Checked<TlsCredentials>> {
  const pem = await readPemFiles(files);
  return pem.ok ? checkCredentials(files, pem.value) : pem;
}

function summarize(certificate: X509Certificate): CertificateSummary {
  return {
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    serial: certificate.serialNumber,
    not_after: certificate.validToDate.toISOString(),
  };
}

/** A key of another type (an RSA key for an EC certificate) makes OpenSSL throw rather than answer false. */
function belongsTo(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** X509Certificate gives one attribute per line: "C=DE\nCN=r4". */
const oneLine = (name: string) => name.split('\n').join(', ');

/** OpenSSL's and the file system's error codes say what is wrong without quoting anything read. */
function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
