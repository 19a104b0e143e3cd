// The certificates in real TLS handshakes on loopback: what a client trusting the CA accepts and refuses.
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer, type Server } from 'node:tls';
import { createCertificateAuthority } from './authority.js';
import type { CertifiedKey } from './keys.js';
import { issueServerCertificate } from './server.js';

const DAY_MS = 86_400_000;
const names = ['web.ns.svc', 'web.ns.svc.cluster.local'];

type Handshake = { ok: true; authorized: boolean; peerCN: unknown; answer: string } | { ok: false; code: string | undefined };

describe('TLS handshakes with the issued certificates', () => {
  let ca: CertifiedKey;
  let otherCa: CertifiedKey;
  let leaf: CertifiedKey;
  beforeAll(async () => {
    const now = new Date();
    [ca, otherCa] = await Promise.all([
      createCertificateAuthority({ commonName: 'r4 test CA', now }),
      createCertificateAuthority({ commonName: 'someone else’s CA', now }),
    ]);
    leaf = await issueServerCertificate(ca, { dnsNames: names, now });
  });

  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  /** A TLS server on an ephemeral loopback port that greets every client that completes a handshake. */
  async function serve(cert: CertifiedKey): Promise<number> {
    const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => socket.end('hello'));
    server.on('connection', (socket: Socket) => sockets.push(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** One client handshake (verification on, as by default), and the server's greeting when it succeeds. */
  function handshake(port: number, trusted: string, servername: string): Promise<Handshake> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: trusted, servername });
      sockets.push(socket);
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.once('end', () =>
        resolve({ ok: true, authorized: socket.authorized, peerCN: socket.getPeerCertificate().subject?.CN, answer }),
      );
      socket.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, code: err.code }));
    });
  }

  test('a client trusting the CA connects by each of the names', async () => {
    const port = await serve(leaf);
    for (const name of names) {
      await expect(handshake(port, ca.certPem, name)).resolves.toEqual({ ok: true, authorized: true, peerCN: 'web.ns.svc', answer: 'hello' });
    }
  });

  test('a name the certificate is not for is refused', async () => {
    const port = await serve(leaf);
    await expect(handshake(port, ca.certPem, 'web.other.svc')).resolves.toEqual({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  test('a client trusting another CA refuses it', async () => {
    const port = await serve(leaf);
    await expect(handshake(port, otherCa.certPem, names[0] as string)).resolves.toEqual({
      ok: false,
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  test('an expired certificate is refused', async () => {
    const expired = await issueServerCertificate(ca, { dnsNames: names, now: new Date(Date.now() - 60 * DAY_MS), validityDays: 30 });
    const port = await serve(expired);
    await expect(handshake(port, ca.certPem, names[0] as string)).resolves.toEqual({ ok: false, code: 'CERT_HAS_EXPIRED' });
  });

  test('a certificate from the future is refused', async () => {
    const early = await issueServerCertificate(ca, { dnsNames: names, now: new Date(Date.now() + DAY_MS) });
    const port = await serve(early);
    await expect(handshake(port, ca.certPem, names[0] as string)).resolves.toEqual({ ok: false, code: 'CERT_NOT_YET_VALID' });
  });
});
