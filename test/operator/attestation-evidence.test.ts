// Attestation a pod cannot forge, on the real control plane with real entropy pods: evidence the pod does
// not control (the image digest the kubelet reports), fresh signed answers bound to the container, an
// EndpointSlice of attested pods only, and TLS verified against the appliance's CA. Each test tries the
// attack: a lying image, a rogue pod, a replayed answer, a changed key, a rotated, a foreign and an
// expired certificate. Stand-ins (test/cluster/programs/) play the cheating pods.
import { createCertificateAuthority, issueServerCertificate } from '../../operator/certificates/index.js';
import type { ClusterHandle } from '../cluster/jest-cluster.js';
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { programDigest, programFor, type LocalProgram } from '../cluster/kubelet/programs.js';
import { inPodNetns, podProcessPid } from '../cluster/pod-exec.js';
import { waitFor } from '../support/wait-for.js';
import { ApplianceApi, condition, exampleApiKey } from './appliance-api.js';
import { entropyImage, installCrd, installOperatorAccess, startOperator, type OperatorProcess } from './operator-harness.js';

const local: ClusterHandle = useLocalCluster();
let operator: OperatorProcess;
let api: ApplianceApi;

beforeAll(async () => {
  await installCrd(local.clients);
  operator = await startOperator(local.cluster, await installOperatorAccess(local.cluster, local.clients), 'op-evidence');
  api = new ApplianceApi(local.clients);
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

const INTERVAL = 2;
/** The key of examples/appliance.yaml's Secret, which every appliance of this file is made from. */
const KEY = exampleApiKey('examples/appliance.yaml');
const fast = { attestation: { intervalSeconds: INTERVAL, timeoutSeconds: 1, failureThreshold: 2 } };
const attested = (n: number) => (a: Awaited<ReturnType<ApplianceApi['get']>>) => a.status?.attestedReplicas === n && condition(a, 'Available')?.status === 'True';
const pinned = (image: string) => `${image}:test@${programDigest(programFor(image) as LocalProgram)}`;

/** Samples the EndpointSlices and pods together until stopped: every address ever listed, with whether its pod was attested then. */
function watchEndpoints(namespace: string) {
  const seen: { ip: string; attested: boolean; pod?: string }[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const [ips, pods] = await Promise.all([api.readyEndpoints(namespace, 'demo'), local.clients.core.listNamespacedPod({ namespace })]);
      for (const ip of ips) {
        const pod = pods.items.find((p) => p.status?.podIP === ip);
        const gate = pod?.status?.conditions?.find((c) => c.type === 'r4.dev/attested')?.status;
        seen.push({ ip, attested: gate === 'True', ...(pod?.metadata?.name && { pod: pod.metadata.name }) });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { seen, stop: async () => ((running = false), await done) };
}

const entry = (a: Awaited<ReturnType<ApplianceApi['get']>>, reason: string) => a.status?.pods?.find((p) => p.reason === reason);

local.test('a lying image — another digest, claiming the expected core and sealed — is cordoned as ImageDigestMismatch within two intervals and never an endpoint', async ({ namespace }) => {
  await api.applyExample('examples/appliance.yaml', namespace, fast);
  await api.waitForStatus(namespace, 'demo', '2 attested pods', attested(2));
  const endpoints = watchEndpoints(namespace);
  // Someone who may edit the Deployment swaps the image (the operator puts its own back within minutes).
  const liar = await api.swapImage(namespace, 'demo', 'r4-liar:test');
  const runningSince = new Date(liar.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? Date.now()).getTime();
  const a = await api.waitForStatus(namespace, 'demo', 'the lying pod cordoned as ImageDigestMismatch', (x) => entry(x, 'ImageDigestMismatch') !== undefined, 60_000);
  const cordonedAfterMs = Date.now() - runningSince;
  await new Promise((r) => setTimeout(r, 3 * INTERVAL * 1000));
  await endpoints.stop();
  process.stderr.write(`lying image: cordoned ${cordonedAfterMs} ms after its container started (interval ${INTERVAL * 1000} ms)\n`);
  expect(cordonedAfterMs).toBeLessThanOrEqual(2 * INTERVAL * 1000 + 1000);
  expect(entry(a, 'ImageDigestMismatch')?.message).toMatch(/the kubelet reports image sha256:[0-9a-f]{64}; the appliance runs sha256:/);
  expect(endpoints.seen.filter((e) => e.pod === liar.metadata?.name)).toEqual([]);
  expect(endpoints.seen.filter((e) => !e.attested)).toEqual([]);
  expect(condition(await api.get(namespace, 'demo'), 'Available')?.status).toBe('True');
}, 240_000);

local.test('a rogue pod with the appliance\'s labels never becomes an endpoint; the appliance\'s own pods only once attested', async ({ namespace, clients }) => {
  const endpoints = watchEndpoints(namespace);
  await api.applyExample('examples/appliance.yaml', namespace, fast);
  await api.waitForStatus(namespace, 'demo', '2 attested pods', attested(2));
  const entropy = entropyImage(local.cluster);
  // The genuine image, the appliance's labels and even its readiness gate: but no ReplicaSet of the appliance owns it.
  await clients.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'rogue', labels: { 'app.kubernetes.io/name': 'r4-entropy', 'r4.dev/appliance': 'demo', 'app.kubernetes.io/managed-by': 'r4-operator' } },
      spec: { containers: [{ name: 'entropy', image: `${entropy.image}@${entropy.digest}`, env: [{ name: 'API_KEY', value: 'rogue-key' }, { name: 'ALLOW_PLAIN_HTTP', value: '1' }] }] },
    },
  });
  await waitFor(async () => {
    const pod = await clients.core.readNamespacedPod({ name: 'rogue', namespace });
    return { ok: pod.status?.phase === 'Running', state: pod.status };
  }, 60_000, 'the rogue pod to run');
  await waitFor(async () => {
    const events = (await clients.core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === 'ForeignPodIgnored');
    return { ok: events.some((e) => e.message?.includes('rogue')), state: events.map((e) => e.message) };
  }, 30_000, 'a ForeignPodIgnored Event');
  await new Promise((r) => setTimeout(r, 4 * INTERVAL * 1000));
  await endpoints.stop();
  expect(endpoints.seen.filter((e) => e.pod === 'rogue')).toEqual([]);
  expect(endpoints.seen.filter((e) => !e.attested)).toEqual([]);
  expect(new Set(endpoints.seen.map((e) => e.pod)).size).toBe(2);
  expect((await api.get(namespace, 'demo')).status?.pods?.map((p) => p.name)).not.toContain('rogue');
}, 240_000);

describe.each([
  { attack: 'a replayed answer (a stand-in pod re-sends a real, recorded one)', image: 'r4-replay', message: 'another nonce' },
  { attack: 'a pod whose key changes after first contact (same container)', image: 'r4-rekey', message: 'key changed' },
])('$attack', ({ image, message }) => {
  local.test('is AttestationSignatureInvalid', async ({ namespace }) => {
    await api.applyExample('examples/appliance.yaml', namespace, { ...fast, replicas: 1, image: pinned(image) });
    const a = await api.waitForStatus(namespace, 'demo', `the ${image} pod cordoned`, (x) => entry(x, 'AttestationSignatureInvalid') !== undefined, 120_000);
    expect(entry(a, 'AttestationSignatureInvalid')?.message).toContain(message);
  }, 240_000);
});

local.test('/random over HTTPS through the Service name, with the CA from <appliance>-ca', async ({ namespace, clients }) => {
  await api.applyExample('examples/appliance.yaml', namespace);
  await api.waitForStatus(namespace, 'demo', '2 attested pods', attested(2));
  const trust = await api.trust(namespace, 'demo');
  // A client pod of the namespace, as an in-cluster caller.
  await clients.core.createNamespacedPod({ namespace, body: { metadata: { name: 'client' }, spec: { containers: [{ name: 'main', image: 'echo-server' }] } } });
  const client = await waitFor(async () => {
    const pod = await clients.core.readNamespacedPod({ name: 'client', namespace });
    return { ok: pod.status?.phase === 'Running', state: pod };
  }, 60_000, 'the client pod to run');
  const pid = podProcessPid(client);
  const script = `import https from 'node:https';
    https.get('https://demo.${namespace}.svc:8080/random?n=32&fmt=hex', { ca: ${JSON.stringify(trust.ca)}, headers: { 'x-api-key': ${JSON.stringify(KEY)} } }, (res) => {
      let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => console.log(res.statusCode, body));
    }).on('error', (e) => console.log('error', e.code, e.message));`;
  const answer = await waitFor(async () => {
    const out = await inPodNetns(pid, script);
    return { ok: /^200 [0-9a-f]{64}$/.test(out.stdout.trim()), state: out };
  }, 30_000, 'an answer through the Service name');
  expect(answer.stdout.trim()).toMatch(/^200 [0-9a-f]{64}$/);

  // Plain HTTP, to the Service or straight to a pod's port, gets no bytes: the port speaks TLS only.
  const podIp = (await api.pods(namespace, 'demo'))[0]?.status?.podIP ?? '';
  expect(podIp).not.toBe('');
  for (const url of [`http://demo.${namespace}.svc:8080/random?n=32&fmt=hex`, `http://${podIp}:8080/random?n=32&fmt=hex`]) {
    const plain = await inPodNetns(
      pid,
      `import http from 'node:http';
      http.get(${JSON.stringify(url)}, { headers: { 'x-api-key': ${JSON.stringify(KEY)} } }, (res) => {
        let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => console.log(res.statusCode, body));
      }).on('error', (e) => console.log('error', e.code));`,
    );
    expect(plain.stdout.trim()).toMatch(/^error /);
  }
}, 240_000);

/** A GET whose answer is left unread until finish(): its connection stays open meanwhile. */
function pausedGet(url: string, tls: { ca: string; servername: string }, headers: Record<string, string>) {
  let resume: () => void = () => undefined;
  let started: (value: void) => void = () => undefined;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const done = import('node:https').then(
    ({ get }) =>
      new Promise<{ status: number; bytes: number }>((resolve, reject) => {
        get(url, { ca: tls.ca, servername: tls.servername, headers, agent: false }, (res) => {
          let bytes = 0;
          res.pause();
          started();
          resume = () => {
            res.on('data', (chunk: Buffer) => (bytes += chunk.length));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
            res.resume();
          };
        }).on('error', reject);
      }),
  );
  return { started: startedPromise, finish: () => (resume(), done) };
}

describe('a user certificate (spec.tls.secretName)', () => {
  /** A Secret in cert-manager's shape for the appliance's Service names. */
  async function certificateSecret(namespace: string, options: { ca: { certPem: string; keyPem: string }; trusted: string; validDaysAgo?: number }) {
    const now = new Date(Date.now() - (options.validDaysAgo ?? 0) * 86_400_000);
    const leaf = await issueServerCertificate(options.ca, { dnsNames: [`demo.${namespace}.svc`, `demo.${namespace}`, 'demo'], now, validityDays: 1 });
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    return { metadata: { name: 'user-cert', labels: { 'r4.dev/tls': 'true' } }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem), 'ca.crt': b64(options.trusted) } };
  }
  const serialOf = async (ip: string, trust: { ca: string; servername: string }) =>
    new Promise<string>((resolve, reject) => {
      import('node:tls').then(({ connect }) => {
        const socket = connect({ host: ip, port: 8080, servername: trust.servername, ca: trust.ca }, () => {
          resolve(socket.getPeerX509Certificate()?.serialNumber ?? '');
          socket.end();
        });
        socket.on('error', reject);
      }, reject);
    });

  local.test('rotated in the Secret: picked up without a restart and without dropping a request in flight; a foreign or expired one cordons the pod', async ({ namespace, clients }) => {
    const ca = await createCertificateAuthority({ commonName: 'user CA', now: new Date() });
    await clients.core.createNamespacedSecret({ namespace, body: await certificateSecret(namespace, { ca, trusted: ca.certPem }) });
    // Created with the user certificate: no pod with the operator's own certificate is ever in the way.
    await api.applyExample('examples/appliance.yaml', namespace, { ...fast, replicas: 1, tls: { secretName: 'user-cert' } });
    await api.waitForStatus(namespace, 'demo', 'the pod attested with the user certificate', attested(1));
    const trust = await api.trust(namespace, 'demo');
    expect(trust.ca).toBe(ca.certPem);
    const [pod] = await api.pods(namespace, 'demo');
    const ip = pod?.status?.podIP ?? '';
    const before = await serialOf(ip, trust);

    // An answer in flight (its connection open, the client not reading) while the certificate is rotated.
    const inFlight = pausedGet(`https://${ip}:8080/random?n=1000000`, trust, { 'x-api-key': KEY });
    await inFlight.started;
    await clients.core.replaceNamespacedSecret({ name: 'user-cert', namespace, body: await certificateSecret(namespace, { ca, trusted: ca.certPem }) });
    const after = await waitFor(async () => {
      const serial = await serialOf(ip, trust);
      return { ok: serial !== before, state: serial };
    }, 30_000, 'new connections to present the rotated certificate');
    expect(after).not.toBe(before);
    const answer = await inFlight.finish();
    expect(answer).toEqual({ status: 200, bytes: 1_000_000 });
    expect((await api.pods(namespace, 'demo'))[0]?.status?.containerStatuses?.[0]?.restartCount).toBe(0);

    // A certificate from another CA than the one the Secret says to trust.
    const other = await createCertificateAuthority({ commonName: 'someone else', now: new Date() });
    await clients.core.replaceNamespacedSecret({ name: 'user-cert', namespace, body: await certificateSecret(namespace, { ca: other, trusted: ca.certPem }) });
    const foreign = await api.waitForStatus(namespace, 'demo', 'the pod cordoned for its certificate', (x) => entry(x, 'CertificateRejected') !== undefined, 60_000);
    expect(entry(foreign, 'CertificateRejected')?.message).toMatch(/not trusted for demo\.[^ ]+\.svc/);

    // Back to a good one, then an expired one.
    await clients.core.replaceNamespacedSecret({ name: 'user-cert', namespace, body: await certificateSecret(namespace, { ca, trusted: ca.certPem }) });
    await api.waitForStatus(namespace, 'demo', 'attested again', attested(1), 60_000);
    await clients.core.replaceNamespacedSecret({ name: 'user-cert', namespace, body: await certificateSecret(namespace, { ca, trusted: ca.certPem, validDaysAgo: 3 }) });
    const expired = await api.waitForStatus(namespace, 'demo', 'the pod cordoned for an expired certificate', (x) => entry(x, 'CertificateRejected')?.message?.includes('expired') ?? false, 60_000);
    expect(entry(expired, 'CertificateRejected')?.message).toContain('certificate has expired');
  }, 300_000);
});
