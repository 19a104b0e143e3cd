// The operator's own certificate authority, kept in the Secret r4-operator-ca of the operator's namespace
// (ca.crt, ca.key), made when the first leader finds none. It signs every appliance's server certificate;
// clients trust it through each appliance's <name>-ca ConfigMap, the operator through memory.
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../api/v1alpha1/labels.js';
import { createCertificateAuthority, issueServerCertificate, renewalDue, type CertifiedKey } from '../certificates/index.js';
import { describeError, type Logger } from '../log.js';

export const OPERATOR_CA_SECRET = 'r4-operator-ca';

export interface OperatorCa {
  caPem: string;
  issue(dnsNames: string[], now: Date): Promise<{ certPem: string; keyPem: string }>;
  /** Why a certificate needs renewing, or undefined while it is good. */
  renewalDue(certPem: string, dnsNames: string[], now: Date): string | undefined;
}

const text = (secret: V1Secret, key: string) => (secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined);
const statusCode = (error: unknown) => (error as { code?: number }).code;

function operatorCa(ca: CertifiedKey): OperatorCa {
  return {
    caPem: ca.certPem,
    issue: (dnsNames, now) => issueServerCertificate(ca, { dnsNames, now }),
    renewalDue: (certPem, dnsNames, now) => {
      const decision = renewalDue(certPem, { now, dnsNames, caCertPem: ca.certPem });
      return decision.due ? decision.reason : undefined;
    },
  };
}

export async function loadOperatorCa(core: CoreV1Api, namespace: string, log: Logger): Promise<OperatorCa> {
  const read = async () => {
    try {
      return await core.readNamespacedSecret({ name: OPERATOR_CA_SECRET, namespace });
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw new Error(`cannot read the CA Secret ${namespace}/${OPERATOR_CA_SECRET}: ${describeError(error)}`);
    }
  };
  const existing = await read();
  if (existing) {
    const certPem = text(existing, 'ca.crt');
    const keyPem = text(existing, 'ca.key');
    if (!certPem || !keyPem) throw new Error(`the CA Secret ${namespace}/${OPERATOR_CA_SECRET} lacks ca.crt or ca.key; delete it to have a new CA made`);
    return operatorCa({ certPem, keyPem });
  }
  const ca = await createCertificateAuthority({ commonName: `r4 operator CA (${namespace})`, now: new Date() });
  const base64 = (value: string) => Buffer.from(value).toString('base64');
  try {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: OPERATOR_CA_SECRET, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
        type: 'Opaque',
        data: { 'ca.crt': base64(ca.certPem), 'ca.key': base64(ca.keyPem) },
      },
    });
    log.info('made a new certificate authority', { secret: `${namespace}/${OPERATOR_CA_SECRET}` });
    return operatorCa(ca);
  } catch (error) {
    // Another leader made it a moment earlier: use theirs.
    if (statusCode(error) === 409) return loadOperatorCa(core, namespace, log);
    throw new Error(`cannot create the CA Secret ${namespace}/${OPERATOR_CA_SECRET}: ${describeError(error)}`);
  }
}
