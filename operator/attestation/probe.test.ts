// The attestation probe against real servers on loopback (HTTP and HTTPS with certificates from the
// operator's own certificate code): a signed answer for this nonce is believed; a replayed, foreign,
// re-signed or unsigned one, a certificate from another CA or an expired one, a server that does not
// speak TLS, an oversized, silent or absent one are each told apart.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { attestationMessage, type AttestationAnswer, type AttestationRequest } from '../../contracts/attestation.js';
import { createCertificateAuthority, issueServerCertificate } from '../certificates/index.js';
import { ConcurrencyLimit, MAX_ANSWER_BYTES, probeAttestation, stallToleranceMs, type ProbeTarget } from './probe.js';

const sha = 'c'.repeat(64);
const document = JSON.stringify({ core_sha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed' });
const request = (nonce = 'a'.repeat(64)): AttestationRequest => ({ nonce, podUid: 'pod-uid-1', containerId: 'cri://c1' });
const servername = 'demo.team.svc';

function keypair(): { privateKey: KeyObject; raw: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, raw: spki.subarray(spki.length - 32).toString('base64') };
}

/** A pod's answer to `asked`, signed with `key` for `signedFor` (a replay signs for an earlier nonce). */
function answer(asked: AttestationRequest, key: ReturnType<typeof keypair>, signedFor = asked): AttestationAnswer {
  return {
    algorithm: 'Ed25519',
    nonce: signedFor.nonce,
    pod_uid: signedFor.podUid,
    container_id: signedFor.containerId,
    document,
    public_key: key.raw,
    signature: sign(null, attestationMessage(signedFor, document), key.privateKey).toString('base64'),
    unsigned_reason: null,
  };
}

/** Answers every probe with what `respond` makes of the request's query. */
const handler = (respond: (asked: AttestationRequest) => AttestationAnswer | string) => (req: IncomingMessage, res: ServerResponse) => {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  const asked = { nonce: query.get('nonce') ?? '', podUid: query.get('pod_uid') ?? '', containerId: query.get('container_id') ?? '' };
  const body = respond(asked);
  res.setHeader('content-type', 'application/json');
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const plain = (port: number): ProbeTarget => ({ host: '127.0.0.1', port });

describe('probeAttestation over HTTP', () => {
  const key = keypair();

  test('an answer signed for this nonce, pod and container is answered, with its key', async () => {
    const port = await listen(createHttpServer(handler((asked) => answer(asked, key))));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toEqual({
      kind: 'answered',
      fields: { coreSha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false },
      key: key.raw,
    });
  });

  test('a replayed answer (signed for an earlier nonce) is AttestationSignatureInvalid', async () => {
    const recorded = answer(request('b'.repeat(64)), key);
    const port = await listen(createHttpServer(handler(() => recorded)));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toMatchObject({ kind: 'rejected', reason: 'AttestationSignatureInvalid', message: expect.stringContaining('another nonce') });
  });

  test('an answer for another container is AttestationSignatureInvalid', async () => {
    const port = await listen(createHttpServer(handler((asked) => answer(asked, key, { ...asked, containerId: 'cri://other' }))));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toMatchObject({ kind: 'rejected', reason: 'AttestationSignatureInvalid' });
  });

  test('an altered document under a valid-looking signature is AttestationSignatureInvalid', async () => {
    const port = await listen(createHttpServer(handler((asked) => ({ ...answer(asked, key), document: document.replace('sealed', 'sealed ') }))));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toMatchObject({ kind: 'rejected', reason: 'AttestationSignatureInvalid', message: expect.stringContaining('does not verify') });
  });

  test('an unsigned answer is reported with its reason', async () => {
    const port = await listen(createHttpServer(handler((asked) => ({ ...answer(asked, key), public_key: null, signature: null, unsigned_reason: 'the core cannot run' }))));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toMatchObject({ kind: 'unsigned', reason: 'the core cannot run' });
  });

  test.each([
    ['not JSON', '{', 'not JSON'],
    ['a non-Ed25519 answer', JSON.stringify({ algorithm: 'RSA' }), 'algorithm'],
    ['an oversized answer', 'x'.repeat(MAX_ANSWER_BYTES + 10), 'exceeds'],
  ])('%s is malformed', async (_name, body, mentions) => {
    const port = await listen(createHttpServer(handler(() => body)));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toMatchObject({ kind: 'malformed', reason: expect.stringContaining(mentions) });
  });

  test('a silent server is unreachable after the timeout; a closed port at once', async () => {
    const port = await listen(createHttpServer(() => undefined));
    await expect(probeAttestation(plain(port), request(), 200)).resolves.toEqual({ kind: 'unreachable', reason: 'no answer within 200 ms' });
    const closed = servers.pop() as Server;
    closed.closeAllConnections();
    await new Promise((resolve) => closed.close(resolve));
    await expect(probeAttestation(plain(port), request(), 2000)).resolves.toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
  });

  test('a deadline the operator slept through (its event loop blocked) is re-armed: the waiting answer is read', async () => {
    const port = await listen(createHttpServer(handler((asked) => answer(asked, key))));
    const probe = probeAttestation(plain(port), request(), 300);
    busyWait(300 + stallToleranceMs(300) + 400);
    await expect(probe).resolves.toMatchObject({ kind: 'answered' });
  });

  test('a silent pod is unreachable even when every deadline is overslept', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const probe = probeAttestation(plain(port), request(), 200);
    const stalls = setInterval(() => busyWait(200 + stallToleranceMs(200) + 200), 50);
    try {
      await expect(probe).resolves.toEqual({ kind: 'unreachable', reason: 'no answer within 200 ms' });
    } finally {
      clearInterval(stalls);
    }
  });
});

/** Blocks the event loop, as a long GC pause or a starved CPU does to the operator. */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('probeAttestation over TLS', () => {
  const key = keypair();
  const now = new Date();

  async function tlsServer(options: { validDaysAgo?: number; otherCa?: boolean } = {}) {
    const ca = await createCertificateAuthority({ commonName: 'probe test CA', now });
    const signer = options.otherCa ? await createCertificateAuthority({ commonName: 'another CA', now }) : ca;
    const issuedAt = options.validDaysAgo === undefined ? now : new Date(now.getTime() - options.validDaysAgo * 86_400_000);
    const leaf = await issueServerCertificate(signer, { dnsNames: [servername], now: issuedAt, validityDays: 1 });
    const port = await listen(createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, handler((asked) => answer(asked, key))));
    return { port, ca: ca.certPem };
  }

  test('a certificate for the Service name from the appliance CA: answered', async () => {
    const { port, ca } = await tlsServer();
    await expect(probeAttestation({ host: '127.0.0.1', port, tls: { servername, ca } }, request(), 5000)).resolves.toMatchObject({ kind: 'answered' });
  });

  test.each([
    ['another CA', { otherCa: true }, /not trusted/],
    ['an expired certificate', { validDaysAgo: 3 }, /expired/],
  ])('%s: CertificateRejected with the reason', async (_name, options, message) => {
    const { port, ca } = await tlsServer(options);
    await expect(probeAttestation({ host: '127.0.0.1', port, tls: { servername, ca } }, request(), 5000)).resolves.toMatchObject({ kind: 'rejected', reason: 'CertificateRejected', message: expect.stringMatching(message) });
  });

  test('a certificate for another name: CertificateRejected', async () => {
    const { port, ca } = await tlsServer();
    await expect(probeAttestation({ host: '127.0.0.1', port, tls: { servername: 'other.team.svc', ca } }, request(), 5000)).resolves.toMatchObject({ kind: 'rejected', reason: 'CertificateRejected' });
  });

  test('a pod that answers in plain HTTP where TLS is required: malformed, no answer believed', async () => {
    const port = await listen(createHttpServer(handler((asked) => answer(asked, key))));
    await expect(probeAttestation({ host: '127.0.0.1', port, tls: { servername } }, request(), 5000)).resolves.toMatchObject({ kind: 'malformed', reason: expect.stringContaining('TLS') });
  });
});

describe('ConcurrencyLimit', () => {
  test('never runs more than the limit at once and runs everything', async () => {
    const limit = new ConcurrencyLimit(3);
    let inFlight = 0;
    let peak = 0;
    const out = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map((n) =>
        limit.run(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return n * 2;
        }),
      ),
    );
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });

  test('a freed slot goes to the appliances in turn: one probe of a small appliance does not wait behind a big one', async () => {
    const limit = new ConcurrencyLimit(1);
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 2));
    };
    await Promise.all([
      ...['big-1', 'big-2', 'big-3', 'big-4'].map((name) => limit.run(task(name), 'team/big')),
      limit.run(task('small-1'), 'team/small'),
      limit.run(task('small-2'), 'team/small'),
    ]);
    expect(order).toEqual(['big-1', 'big-2', 'small-1', 'big-3', 'small-2', 'big-4']);
  });
});
