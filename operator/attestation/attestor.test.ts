// The attestor against pods served by a real HTTP server on loopback that signs its answers as a pod does:
// a round that changes a verdict asks for a reconcile, a round that confirms every verdict does not; a pod
// that starts running, or becomes ready unattested, is probed alone.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { CONTAINER_NAME } from '../../cdk8s/entropy-workload.js';
import { attestationMessage, type AttestationAnswer } from '../../contracts/attestation.js';
import { createLogger } from '../log.js';
import { Attestor, type AttestationTarget } from './attestor.js';
import { ConcurrencyLimit } from './probe.js';

const sha = 'c'.repeat(64);
const digest = `sha256:${'d'.repeat(64)}`;
const target: AttestationTarget = { expectedCoreSha256: sha, imageDigests: [digest], intervalSeconds: 3600, timeoutSeconds: 2, failureThreshold: 3 };

/** A pod's service: signs every probe with one container key; `coreSha256` is what it reports. */
function podServer(state: { coreSha256: string }, requests: string[]): Server {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const asked = { nonce: query.get('nonce') ?? '', podUid: query.get('pod_uid') ?? '', containerId: query.get('container_id') ?? '' };
    requests.push(asked.podUid);
    const document = JSON.stringify({ core_sha256: state.coreSha256, integrity: 'verified', selftest: 'pass', mode: 'sealed' });
    const answer: AttestationAnswer = {
      algorithm: 'Ed25519',
      nonce: asked.nonce,
      pod_uid: asked.podUid,
      container_id: asked.containerId,
      document,
      public_key: spki.subarray(spki.length - 32).toString('base64'),
      signature: sign(null, attestationMessage(asked, document), privateKey).toString('base64'),
      unsigned_reason: null,
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
}

/** A pod served at `podIP` (the server listens on 127.0.0.1 only: any other loopback address refuses). */
const pod = (name: string, { ready = true, podIP = '127.0.0.1' } = {}): V1Pod => ({
  metadata: { name, namespace: 'team', uid: `uid-${name}` },
  status: { phase: 'Running', podIP, containerStatuses: [{ name: CONTAINER_NAME, containerID: `cri://${name}`, imageID: `r4@${digest}`, image: 'r4', ready, restartCount: 0 }] },
});

describe('Attestor rounds', () => {
  let server: Server;
  const state = { coreSha256: sha };
  /** The pod uid of every probe the server answered. */
  const requests: string[] = [];
  beforeAll(async () => {
    server = podServer(state, requests);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** An attestor of one appliance whose pods are `pods`, reporting each finished round (or pod probe). */
  function attestorOf(pods: V1Pod[], finished: (changed: boolean) => void): Attestor {
    return new Attestor({
      pods: () => pods,
      trust: () => ({ tls: false }),
      recordedBinding: () => undefined,
      roundFinished: (_k, changed) => finished(changed),
      event: () => undefined,
      outcome: () => undefined,
      verdictChanged: () => undefined,
      probed: () => undefined,
      limit: new ConcurrencyLimit(4),
      port: (server.address() as AddressInfo).port,
      log: createLogger('error'),
    });
  }

  test('only a round that changes a verdict asks for a reconcile', async () => {
    const finished: boolean[] = [];
    let attestor: Attestor | undefined;
    try {
      await new Promise<void>((resolve) => {
        attestor = attestorOf([pod('a'), pod('b')], (changed) => {
          finished.push(changed);
          // After two rounds the pods' core changes: the next round changes both verdicts, the one after confirms them.
          if (finished.length === 2) state.coreSha256 = 'f'.repeat(64);
          if (finished.length === 4) resolve();
        });
        attestor.schedule('team/demo', { ...target, intervalSeconds: 1 });
      });
      expect(finished).toEqual([true, false, true, false]);
      expect(attestor?.record(pod('a')).attestation).toMatchObject({ verdict: 'Cordoned', reason: 'HashMismatch' });
    } finally {
      attestor?.stop();
      state.coreSha256 = sha;
      requests.length = 0;
    }
  });

  test('a pod that starts running is probed alone, at once, not with a round of its appliance', async () => {
    const pods = [pod('a')];
    let finished: () => void = () => undefined;
    const attestor = attestorOf(pods, () => finished());
    try {
      await new Promise<void>((resolve) => {
        finished = resolve;
        attestor.schedule('team/demo', target);
      });
      requests.length = 0;
      pods.push(pod('c'));
      await new Promise<void>((resolve) => {
        finished = resolve;
        attestor.podChanged('team/demo', pod('c'));
      });
      expect(requests).toEqual(['uid-c']);
      expect(attestor.record(pod('c')).attestation.verdict).toBe('Attested');
      // Any later change of an attested pod waits for the rounds.
      attestor.podChanged('team/demo', pod('c'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests).toEqual(['uid-c']);
    } finally {
      attestor.stop();
    }
  });

  test('a pod still starting at its first probe is probed again as soon as its container is ready', async () => {
    let next: () => void = () => undefined;
    const attestor = attestorOf([], () => next());
    const starting = pod('s', { ready: false, podIP: '127.0.0.2' });
    try {
      attestor.schedule('team/demo', target);
      // A refused probe of a starting pod changes nothing (no reconcile asked): wait for its record.
      attestor.podChanged('team/demo', starting);
      while (attestor.record(starting).lastChecked === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(attestor.record(starting).attestation.verdict).toBe('Pending');
      requests.length = 0;
      await new Promise<void>((resolve) => {
        next = resolve;
        attestor.podChanged('team/demo', pod('s'));
      });
      expect(requests).toEqual(['uid-s']);
      expect(attestor.record(pod('s')).attestation.verdict).toBe('Attested');
    } finally {
      attestor.stop();
    }
  });
});
