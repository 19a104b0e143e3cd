// The operator's own certificate authority: a self-signed P-256 CA that signs the appliances' server certificates.
import { ECDSA_SHA256, newP256Key, randomSerialNumber, type CertifiedKey } from './keys.js';
import { certificatePem } from './pem.js';
import { CA_VALIDITY_DAYS, validityWindow } from './policy.js';
import { x509 } from './x509.js';

export interface CertificateAuthorityOptions {
  /** The CA's subject CN, e.g. "r4-operator CA"; clients show it, nothing checks it. */
  commonName: string;
  /** Issue time; notBefore is set a few minutes earlier for clock skew. */
  now: Date;
  validityDays?: number;
}

/**
 * A new CA certificate and key. pathLength 0 lets it sign server certificates but no intermediate CA,
 * and its key usage allows nothing but signing certificates and CRLs, so a leaked copy of the certificate
 * cannot pass for a server.
 */
export async function createCertificateAuthority({
  commonName,
  now,
  validityDays = CA_VALIDITY_DAYS,
}: CertificateAuthorityOptions): Promise<CertifiedKey> {
  if (commonName.trim() === '') throw new Error('a CA needs a common name');
  const { notBefore, notAfter } = validityWindow(now, validityDays);
  const { keys, keyPem } = await newP256Key();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [commonName] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      // Lets a client pick this CA out of a bundle by the AuthorityKeyIdentifier in the certificates it signs.
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificatePem(cert), keyPem };
}
