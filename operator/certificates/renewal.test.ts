// renewalDue as a table: each way a stored certificate can be due, and the sentence it gives for the Event.
import { createCertificateAuthority } from './authority.js';
import type { CertifiedKey } from './keys.js';
import { renewalDue } from './renewal.js';
import { issueServerCertificate } from './server.js';

const DAY_MS = 86_400_000;
const issuedAt = new Date('2026-06-01T00:00:00Z');
const at = (offsetMs: number) => new Date(issuedAt.getTime() + offsetMs);
const names = ['web.ns.svc', 'web.ns.svc.cluster.local'];

let ca: CertifiedKey;
let otherCa: CertifiedKey;
let sameNameCa: CertifiedKey;
let leaf: CertifiedKey;
beforeAll(async () => {
  const caTime = new Date(issuedAt.getTime() - DAY_MS);
  [ca, otherCa, sameNameCa] = await Promise.all([
    createCertificateAuthority({ commonName: 'r4 test CA', now: caTime }),
    createCertificateAuthority({ commonName: 'another CA', now: caTime }),
    createCertificateAuthority({ commonName: 'r4 test CA', now: caTime }),
  ]);
  // Valid 2026-05-31T23:55:00Z .. 2026-07-01T00:00:00Z: a third of that life is 10 days 100 s, so
  // renewal is due from 2026-06-20T23:58:20Z.
  leaf = await issueServerCertificate(ca, { dnsNames: names, now: issuedAt, validityDays: 30 });
});

interface Row {
  case: string;
  cert?: () => string;
  now: Date;
  dnsNames?: string[];
  caCert?: () => string;
  due: boolean;
  reason: string;
}

const table: Row[] = [
  { case: 'fresh', now: at(DAY_MS), due: false, reason: 'valid until 2026-07-01T00:00:00Z; renewal due from 2026-06-20T23:58:20Z' },
  {
    case: 'fresh, names in another order and case',
    now: at(DAY_MS),
    dnsNames: ['WEB.ns.svc.cluster.local', 'web.ns.svc'],
    due: false,
    reason: 'valid until 2026-07-01T00:00:00Z; renewal due from 2026-06-20T23:58:20Z',
  },
  {
    case: 'a second before the last third',
    now: new Date('2026-06-20T23:58:19Z'),
    due: false,
    reason: 'valid until 2026-07-01T00:00:00Z; renewal due from 2026-06-20T23:58:20Z',
  },
  {
    case: 'the last third begins',
    now: new Date('2026-06-20T23:58:20Z'),
    due: true,
    reason: 'expires 2026-07-01T00:00:00Z, within the last third of its 30-day life',
  },
  {
    case: 'an hour before it expires',
    now: new Date('2026-06-30T23:00:00Z'),
    due: true,
    reason: 'expires 2026-07-01T00:00:00Z, within the last third of its 30-day life',
  },
  { case: 'expired', now: at(31 * DAY_MS), due: true, reason: 'it expired 2026-07-01T00:00:00Z' },
  { case: 'not yet valid', now: at(-3_600_000), due: true, reason: 'it is not valid until 2026-05-31T23:55:00Z' },
  { case: 'another CA', now: at(DAY_MS), caCert: () => otherCa.certPem, due: true, reason: 'it is not signed by the current CA (CN=another CA)' },
  {
    case: 'another CA with the same name',
    now: at(DAY_MS),
    caCert: () => sameNameCa.certPem,
    due: true,
    reason: 'it is not signed by the current CA (CN=r4 test CA)',
  },
  {
    case: 'the CA certificate itself',
    cert: () => ca.certPem,
    now: at(DAY_MS),
    due: true,
    reason: 'it is for no DNS names, but the wanted names are web.ns.svc, web.ns.svc.cluster.local',
  },
  {
    case: 'a name too few',
    now: at(DAY_MS),
    dnsNames: ['web.ns.svc'],
    due: true,
    reason: 'it is for web.ns.svc, web.ns.svc.cluster.local, but the wanted names are web.ns.svc',
  },
  {
    case: 'a name too many',
    now: at(DAY_MS),
    dnsNames: [...names, 'web.ns'],
    due: true,
    reason: 'it is for web.ns.svc, web.ns.svc.cluster.local, but the wanted names are web.ns, web.ns.svc, web.ns.svc.cluster.local',
  },
  { case: 'garbage', cert: () => 'not a certificate', now: at(DAY_MS), due: true, reason: 'the stored certificate does not parse as a PEM X.509 certificate' },
  { case: 'empty', cert: () => '', now: at(DAY_MS), due: true, reason: 'the stored certificate does not parse as a PEM X.509 certificate' },
  { case: 'a key instead', cert: () => leaf.keyPem, now: at(DAY_MS), due: true, reason: 'the stored certificate does not parse as a PEM X.509 certificate' },
  {
    case: 'truncated',
    cert: () => leaf.certPem.slice(0, 200) + '\n-----END CERTIFICATE-----\n',
    now: at(DAY_MS),
    due: true,
    reason: 'the stored certificate does not parse as a PEM X.509 certificate',
  },
];

describe('renewalDue', () => {
  test.each(table)('$case', (row) => {
    const certPem = row.cert ? row.cert() : leaf.certPem;
    const caCertPem = row.caCert ? row.caCert() : ca.certPem;
    expect(renewalDue(certPem, { now: row.now, dnsNames: row.dnsNames ?? names, caCertPem })).toEqual({ due: row.due, reason: row.reason });
  });

  test('a CA certificate that does not parse is an error, not a renewal', () => {
    expect(() => renewalDue(leaf.certPem, { now: at(DAY_MS), dnsNames: names, caCertPem: 'garbage' })).toThrow('the CA certificate does not parse');
  });

  test('a certificate clamped to a short-lived CA reports its own shorter life', async () => {
    const shortCa = await createCertificateAuthority({ commonName: 'short CA', now: issuedAt, validityDays: 10 });
    const cert = await issueServerCertificate(shortCa, { dnsNames: names, now: issuedAt, validityDays: 90 });
    expect(renewalDue(cert.certPem, { now: at(9 * DAY_MS), dnsNames: names, caCertPem: shortCa.certPem })).toEqual({
      due: true,
      reason: 'expires 2026-06-11T00:00:00Z, within the last third of its 10-day life',
    });
  });
});
