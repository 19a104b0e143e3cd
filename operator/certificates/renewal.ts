// Whether a stored server certificate must be reissued, and why, in words for an Event.
import { dnsNamesOf } from './describe.js';
import { sameDnsNames } from './dns-names.js';
import { parseCertificate } from './pem.js';
import { RENEWAL_WINDOW_WORDS, isoSeconds, renewalTime } from './policy.js';

export interface RenewalCheck {
  now: Date;
  /** The names the certificate should have now (the Service's DNS names); order and case do not matter. */
  dnsNames: readonly string[];
  /** The CA the certificate must chain to: the operator's current one. */
  caCertPem: string;
}

export interface RenewalDecision {
  due: boolean;
  /** Why, or when it will be due; a sentence for a person reading Events. */
  reason: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Due when the certificate does not parse, is not signed by the CA, names other hosts, is not yet or no
 * longer valid, or is in the last third of its life; the first of these that holds is the reason.
 * A CA certificate that does not parse is the caller's problem, not this certificate's, and throws.
 */
export function renewalDue(certPem: string, { now, dnsNames, caCertPem }: RenewalCheck): RenewalDecision {
  const ca = parseCertificate(caCertPem);
  if (!ca) throw new Error('the CA certificate does not parse, so no server certificate can be checked against it');
  const cert = parseCertificate(certPem);
  if (!cert) return { due: true, reason: 'the stored certificate does not parse as a PEM X.509 certificate' };

  // checkIssued matches the names and key identifiers; only the signature proves this CA's key signed it.
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return { due: true, reason: `it is not signed by the current CA (${oneLine(ca.subject)})` };
  }
  const have = dnsNamesOf(certPem);
  if (!sameDnsNames(have, dnsNames)) {
    return { due: true, reason: `it is for ${listed(have)}, but the wanted names are ${listed(dnsNames)}` };
  }
  const window = { notBefore: cert.validFromDate, notAfter: cert.validToDate };
  if (now < window.notBefore) return { due: true, reason: `it is not valid until ${isoSeconds(window.notBefore)}` };
  if (now > window.notAfter) return { due: true, reason: `it expired ${isoSeconds(window.notAfter)}` };

  const renewAt = renewalTime(window);
  const life = lifeWords(window.notAfter.getTime() - window.notBefore.getTime());
  if (now >= renewAt) {
    return { due: true, reason: `expires ${isoSeconds(window.notAfter)}, within ${RENEWAL_WINDOW_WORDS} of its ${life} life` };
  }
  return { due: false, reason: `valid until ${isoSeconds(window.notAfter)}; renewal due from ${isoSeconds(renewAt)}` };
}

/** OpenSSL prints one RDN per line; an Event is one line. */
const oneLine = (name: string) => name.split('\n').join(', ');

const listed = (names: readonly string[]) => (names.length === 0 ? 'no DNS names' : [...names].sort().join(', '));

/** "30-day", or "6-hour" for lives shorter than a day; the skew allowance is rounded away. */
function lifeWords(ms: number): string {
  return ms >= DAY_MS ? `${Math.round(ms / DAY_MS)}-day` : `${Math.max(1, Math.round(ms / HOUR_MS))}-hour`;
}
