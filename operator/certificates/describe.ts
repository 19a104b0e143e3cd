// What a certificate says, in plain fields: for status, Events and logs, and for deciding on renewal.
import { parseCertificate } from './pem.js';
import { x509 } from './x509.js';

export interface CertificateDescription {
  /** OpenSSL's one-line-per-RDN form, e.g. "CN=web.ns.svc". */
  subject: string;
  issuer: string;
  /** Uppercase hex, as OpenSSL prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** The dNSName entries of the SubjectAlternativeName, in certificate order. */
  dnsNames: string[];
  /** Colon-separated uppercase hex, as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint: string;
}

/** The fields of one PEM certificate; throws when the text is not a certificate. */
export function describeCertificate(certPem: string): CertificateDescription {
  const cert = parseCertificate(certPem);
  if (!cert) throw new Error('not a PEM X.509 certificate');
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    dnsNames: dnsNamesOf(certPem),
    sha256Fingerprint: cert.fingerprint256,
  };
}

/**
 * The SAN's DNS names, read from the decoded extension rather than from node's printed `subjectAltName`
 * string, whose quoting rules would otherwise have to be parsed back.
 */
export function dnsNamesOf(certPem: string): string[] {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).filter((name) => name.type === 'dns').map((name) => name.value);
}
