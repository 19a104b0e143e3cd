// Throwaway certificates for HTTPS on loopback, made with the openssl CLI (Debian's openssl, listed in
// scripts/debian-tools.txt): a certificate authority, and server certificates it signs for 127.0.0.1, ::1 and
// localhost. P-256 keys: fast to generate, and what a modern server is given.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NEW_P256_KEY, openssl } from './openssl.js';

export interface TestCa {
  certFile: string;
  keyFile: string;
  /** The CA's certificate (PEM), for a client's `ca`. */
  pem: Buffer;
}

export interface ServerCertificate {
  /** The server certificate, then the CA's: a chain, as TLS_CERT_FILE holds one. */
  chain: Buffer;
  key: Buffer;
  /** As X509Certificate#serialNumber and a peer certificate's serialNumber give it (upper-case hex). */
  serial: string;
}

export async function createTestCa(dir: string, name = 'r4-test-ca'): Promise<TestCa> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await openssl(['req', '-x509', ...NEW_P256_KEY, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { certFile, keyFile, pem: await readFile(certFile) };
}

/** A server certificate for the loopback addresses, signed by `ca`; its files are `<dir>/<name>.crt` and `.key`. */
export async function issueServerCertificate(ca: TestCa, dir: string, name: string): Promise<ServerCertificate> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await openssl(['req', '-x509', ...NEW_P256_KEY, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`,
    '-CA', ca.certFile, '-CAkey', ca.keyFile,
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth',
    '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost']);
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  return { chain: Buffer.concat([cert, ca.pem]), key, serial: new X509Certificate(cert).serialNumber };
}
