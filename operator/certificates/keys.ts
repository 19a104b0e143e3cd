// Key material for the operator's certificates: P-256 keys from node:crypto, as PKCS#8 PEM and as WebCrypto keys.
import { X509Certificate, createPrivateKey, generateKeyPair, randomBytes, type webcrypto } from 'node:crypto';
import { promisify } from 'node:util';

/** ECDSA on P-256: small keys and signatures, fast handshakes, and accepted by every TLS client we expect. */
export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** The signature algorithm for every certificate issued here (ecdsa-with-SHA256). */
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A certificate and its private key, both PEM: what goes into a Secret. */
export interface CertifiedKey {
  /** `-----BEGIN CERTIFICATE-----` */
  certPem: string;
  /** PKCS#8, `-----BEGIN PRIVATE KEY-----` */
  keyPem: string;
}

export interface NewKey {
  keys: webcrypto.CryptoKeyPair;
  keyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** A fresh P-256 key pair; the private half is exported once, as PEM, and is not extractable from `keys`. */
export async function newP256Key(): Promise<NewKey> {
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  return {
    keys: {
      publicKey: publicKey.toCryptoKey(ECDSA_P256, true, ['verify']),
      privateKey: privateKey.toCryptoKey(ECDSA_P256, false, ['sign']),
    },
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * The CA's private key as a WebCrypto signing key. Refused, rather than used, when it is not P-256 or does
 * not belong to the CA certificate: a Secret whose two halves drifted apart would otherwise yield server
 * certificates that no client can verify.
 */
export function caSigningKey(ca: CertifiedKey): webcrypto.CryptoKey {
  const key = createPrivateKey(ca.keyPem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind = [key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve].filter(Boolean).join(' ');
    throw new Error(`the CA key is ${kind}, not ECDSA P-256`);
  }
  if (!new X509Certificate(ca.certPem).checkPrivateKey(key)) throw new Error('the CA key does not belong to the CA certificate');
  return key.toCryptoKey(ECDSA_P256, false, ['sign']);
}

/**
 * A random serial number, as hex. RFC 5280 wants it positive and at most 20 octets, and CAs are expected to
 * put at least 64 random bits in it; clearing the top bit keeps it positive without a padding octet, and
 * setting the next one keeps it exactly 16 octets long (126 random bits).
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
