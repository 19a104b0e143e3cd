// A throwaway certificate authority for one cluster, made with the openssl CLI: the API server's serving
// certificate, an admin client certificate (group system:masters) and the service-account signing key.
// Keys are P-256: fast to generate and accepted by every component (ES256 for service-account tokens).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NEW_P256_KEY, openssl } from '../support/openssl.js';

export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const validDays = '30';

export async function createPki(dir: string): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (name: string) => join(dir, name);
  const pki: ClusterPki = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCert: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
  };
  await openssl(['req', '-x509', ...NEW_P256_KEY, '-keyout', pki.caKey, '-out', pki.caCert, '-days', validDays,
    '-subj', '/CN=r4-cluster-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const signed = (key: string, cert: string, subject: string, extensions: string[]) =>
    openssl(['req', '-x509', ...NEW_P256_KEY, '-keyout', key, '-out', cert, '-days', validDays, '-subj', subject,
      '-CA', pki.caCert, '-CAkey', pki.caKey, '-addext', 'basicConstraints=critical,CA:FALSE',
      ...extensions.flatMap((e) => ['-addext', e])]);
  await Promise.all([
    // 10.0.0.1 is the `kubernetes` Service address in --service-cluster-ip-range below.
    signed(pki.apiserverKey, pki.apiserverCert, '/CN=kube-apiserver', [
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      'extendedKeyUsage=serverAuth',
    ]),
    signed(pki.adminKey, pki.adminCert, '/O=system:masters/CN=r4-cluster-admin', ['extendedKeyUsage=clientAuth']),
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pki.serviceAccountKey]),
  ]);
  await openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  return pki;
}
