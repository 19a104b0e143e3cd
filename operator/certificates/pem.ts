// Certificates as PEM text: writing the ones the library built, reading any with node's OpenSSL.
import { X509Certificate } from 'node:crypto';
import type { x509 } from './x509.js';

/** The certificate as PEM, ending in a newline so that PEMs concatenate into a valid bundle. */
export function certificatePem(cert: x509.X509Certificate): string {
  const pem = cert.toString('pem');
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/**
 * Node's (OpenSSL's) reading of one PEM certificate, or null when the text is not one. It is OpenSSL that
 * will serve and check these certificates, so its reading is the one that counts.
 */
export function parseCertificate(certPem: string): X509Certificate | null {
  try {
    return new X509Certificate(certPem);
  } catch {
    return null;
  }
}

