// Server certificates for the appliances: signed by the operator's CA, for the appliance Service's DNS names.
import { normalizeDnsNames } from './dns-names.js';
import { ECDSA_SHA256, caSigningKey, newP256Key, randomSerialNumber, type CertifiedKey } from './keys.js';
import { certificatePem } from './pem.js';
import { SERVER_VALIDITY_DAYS, isoSeconds, validityWindow } from './policy.js';
import { x509 } from './x509.js';

/** ub-common-name in RFC 5280: a CN longer than this is not a valid subject. */
const MAX_COMMON_NAME_LENGTH = 64;

export interface ServerCertificateOptions {
  /** The names clients connect by; the first also becomes the subject's CN, so put the shortest first. */
  dnsNames: readonly string[];
  /** Issue time; notBefore is set a few minutes earlier for clock skew. */
  now: Date;
  validityDays?: number;
}

/**
 * A new key and a certificate for it, signed by `ca`, good for TLS server authentication and nothing else.
 * It never outlives the CA (a client would reject it from then on anyway); a CA that has expired, or is
 * not a CA, or whose key does not match it, is refused with an error.
 */
export async function issueServerCertificate(
  ca: CertifiedKey,
  { dnsNames, now, validityDays = SERVER_VALIDITY_DAYS }: ServerCertificateOptions,
): Promise<CertifiedKey> {
  const names = normalizeDnsNames(dnsNames);
  const caCert = new x509.X509Certificate(ca.certPem);
  if (!caCert.getExtension(x509.BasicConstraintsExtension)?.ca) throw new Error(`${caCert.subject} is not a CA certificate`);
  const signingKey = caSigningKey(ca);

  const window = validityWindow(now, validityDays);
  const notAfter = window.notAfter < caCert.notAfter ? window.notAfter : caCert.notAfter;
  if (notAfter <= now) throw new Error(`the CA ${caCert.subject} expired ${isoSeconds(caCert.notAfter)}; renew it first`);

  // RFC 5280 §4.2.1.6: a name too long for a CN leaves the subject empty, and the SAN then must be critical.
  // Clients match only the SANs, so the CN is for people reading the certificate.
  const commonName = names[0] as string;
  const subject = commonName.length <= MAX_COMMON_NAME_LENGTH ? [{ CN: [commonName] }] : undefined;

  // RFC 5280 §4.2.1.1: the AuthorityKeyIdentifier carries the CA's own SubjectKeyIdentifier where it has one.
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const authorityKeyId = caKeyId
    ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
    : await x509.AuthorityKeyIdentifierExtension.create(caCert);

  const { keys, keyPem } = await newP256Key();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    ...(subject ? { subject } : {}),
    issuer: caCert.subjectName,
    notBefore: window.notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // ECDSA keys only sign (ECDHE does the key exchange), so digitalSignature is all a TLS server needs.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((value) => ({ type: 'dns' as const, value })),
        subject === undefined,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      authorityKeyId,
    ],
  });
  return { certPem: certificatePem(cert), keyPem };
}
