// The certificates the operator issues: its CA, the appliances' server certificates, and when to renew them.
// No Kubernetes here: the reconcile stores the PEMs in Secrets and publishes the CA certificate.
export { createCertificateAuthority, type CertificateAuthorityOptions } from './authority.js';
export { describeCertificate, type CertificateDescription } from './describe.js';
export type { CertifiedKey } from './keys.js';
export {
  CA_VALIDITY_DAYS,
  CLOCK_SKEW_ALLOWANCE_MS,
  RENEW_WHEN_REMAINING_FRACTION,
  SERVER_VALIDITY_DAYS,
} from './policy.js';
export { renewalDue, type RenewalCheck, type RenewalDecision } from './renewal.js';
export { issueServerCertificate, type ServerCertificateOptions } from './server.js';
