// The CA and server certificates as node's OpenSSL reads them back, plus the extension details node does not expose.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createCertificateAuthority } from './authority.js';
import { describeCertificate } from './describe.js';
import type { CertifiedKey } from './keys.js';
import { CA_VALIDITY_DAYS, CLOCK_SKEW_ALLOWANCE_MS, SERVER_VALIDITY_DAYS } from './policy.js';
import { issueServerCertificate } from './server.js';
import { x509 } from './x509.js';

const DAY_MS = 86_400_000;
const now = new Date('2026-06-01T12:00:00.000Z');
const names = ['web.ns.svc', 'web.ns.svc.cluster.local'];
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

let ca: CertifiedKey;
let leaf: CertifiedKey;
beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: 'r4 test CA', now });
  leaf = await issueServerCertificate(ca, { dnsNames: names, now });
});

/** The library's decoding, for what node does not expose: criticality, key usage bits, key identifiers. */
const decoded = (pem: string) => new x509.X509Certificate(pem);

describe('createCertificateAuthority', () => {
  test('is a self-signed P-256 CA that OpenSSL accepts as one', () => {
    expect(ca.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=r4 test CA');
    expect(cert.issuer).toBe('CN=r4 test CA');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.keyUsage).toBeUndefined(); // node's keyUsage is the extended key usage: a CA has none
  });

  test('is valid from five minutes before now for the default ten years', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.validFromDate).toEqual(new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS));
    expect(cert.validToDate).toEqual(new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS));
  });

  test('has a random positive 16-byte serial', async () => {
    const serial = new X509Certificate(ca.certPem).serialNumber;
    expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    const another = await createCertificateAuthority({ commonName: 'r4 test CA', now });
    expect(new X509Certificate(another.certPem).serialNumber).not.toBe(serial);
  });

  test('has critical CA:true pathlen 0, critical keyCertSign|cRLSign, a key identifier, and ECDSA-SHA256', () => {
    const cert = decoded(ca.certPem);
    const basic = cert.getExtension(x509.BasicConstraintsExtension);
    expect(basic).toMatchObject({ ca: true, pathLength: 0, critical: true });
    const usage = cert.getExtension(x509.KeyUsagesExtension);
    expect(usage).toMatchObject({ usages: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, critical: true });
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
  });

  test('refuses an empty name and a non-positive validity', async () => {
    await expect(createCertificateAuthority({ commonName: ' ', now })).rejects.toThrow('common name');
    await expect(createCertificateAuthority({ commonName: 'x', now, validityDays: 0 })).rejects.toThrow('validityDays');
  });
});

describe('issueServerCertificate', () => {
  test('is a server certificate for the names, signed by the CA', () => {
    expect(leaf.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const cert = new X509Certificate(leaf.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe('CN=web.ns.svc');
    expect(cert.issuer).toBe('CN=r4 test CA');
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:web.ns.svc, DNS:web.ns.svc.cluster.local');
    expect(cert.checkHost('web.ns.svc.cluster.local')).toBe('web.ns.svc.cluster.local');
    expect(cert.checkHost('web.other.svc')).toBeUndefined();
    expect(cert.keyUsage).toEqual([SERVER_AUTH]);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(false);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  test('is valid from five minutes before now for the default 90 days', () => {
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.validFromDate).toEqual(new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS));
    expect(cert.validToDate).toEqual(new Date(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS));
  });

  test('has critical CA:false, critical digitalSignature only, and the CA key identifier as its authority', () => {
    const cert = decoded(leaf.certPem);
    expect(cert.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: false, critical: true });
    expect(cert.getExtension(x509.KeyUsagesExtension)).toMatchObject({ usages: x509.KeyUsageFlags.digitalSignature, critical: true });
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([SERVER_AUTH]);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.critical).toBe(false);
    const caKeyId = decoded(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(caKeyId);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).not.toBe(caKeyId);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
  });

  test('gets a new key and serial every time', async () => {
    const again = await issueServerCertificate(ca, { dnsNames: names, now });
    expect(again.keyPem).not.toBe(leaf.keyPem);
    expect(new X509Certificate(again.certPem).serialNumber).not.toBe(new X509Certificate(leaf.certPem).serialNumber);
  });

  test('never outlives its CA', async () => {
    const shortCa = await createCertificateAuthority({ commonName: 'short CA', now, validityDays: 10 });
    const cert = await issueServerCertificate(shortCa, { dnsNames: names, now, validityDays: 90 });
    expect(new X509Certificate(cert.certPem).validToDate).toEqual(new X509Certificate(shortCa.certPem).validToDate);
  });

  test('lowercases and de-duplicates names, keeping their order', async () => {
    const cert = await issueServerCertificate(ca, { dnsNames: ['Web.NS.svc', 'web.ns.svc', '*.web.ns.svc'], now });
    expect(new X509Certificate(cert.certPem).subjectAltName).toBe('DNS:web.ns.svc, DNS:*.web.ns.svc');
  });

  test('leaves the subject empty and makes the SAN critical when the first name is too long for a CN', async () => {
    const long = `${'a'.repeat(40)}.${'b'.repeat(40)}.svc`;
    const cert = await issueServerCertificate(ca, { dnsNames: [long], now });
    expect(new X509Certificate(cert.certPem).subject).toBe('');
    expect(decoded(cert.certPem).getExtension(x509.SubjectAlternativeNameExtension)?.critical).toBe(true);
    expect(new X509Certificate(cert.certPem).checkHost(long)).toBe(long);
  });

  test('refuses bad names, a CA that is not one, a key that is not the CA’s, and an expired CA', async () => {
    await expect(issueServerCertificate(ca, { dnsNames: [], now })).rejects.toThrow('at least one DNS name');
    await expect(issueServerCertificate(ca, { dnsNames: ['web ns'], now })).rejects.toThrow('"web ns" is not a DNS name');
    await expect(issueServerCertificate(ca, { dnsNames: ['-web.ns'], now })).rejects.toThrow('is not a DNS name');
    await expect(issueServerCertificate(leaf, { dnsNames: names, now })).rejects.toThrow('is not a CA certificate');
    await expect(issueServerCertificate({ certPem: ca.certPem, keyPem: leaf.keyPem }, { dnsNames: names, now })).rejects.toThrow(
      'does not belong to the CA certificate',
    );
    const later = new Date(now.getTime() + (CA_VALIDITY_DAYS + 1) * DAY_MS);
    await expect(issueServerCertificate(ca, { dnsNames: names, now: later })).rejects.toThrow(/expired 2036-.*renew it first/);
  });
});

describe('describeCertificate', () => {
  test('reads back the fields', () => {
    const cert = new X509Certificate(leaf.certPem);
    expect(describeCertificate(leaf.certPem)).toEqual({
      subject: 'CN=web.ns.svc',
      issuer: 'CN=r4 test CA',
      serialNumber: cert.serialNumber,
      notBefore: new Date('2026-06-01T11:55:00Z'),
      notAfter: new Date('2026-08-30T12:00:00Z'),
      dnsNames: names,
      sha256Fingerprint: cert.fingerprint256,
    });
    expect(describeCertificate(leaf.certPem).sha256Fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('throws on text that is not a certificate', () => {
    expect(() => describeCertificate(leaf.keyPem)).toThrow('not a PEM X.509 certificate');
  });
});
