// The operator's connection to a real HTTPS server on loopback standing in for the API server (certificates
// from the operator's own code): every request shares one TLS connection, requests beyond the burst wait
// their turn, a 429's Retry-After holds the next request, watches and the Lease do not wait, and each
// answer is counted by verb and resource.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { createCertificateAuthority, issueServerCertificate } from '../certificates/index.js';
import { describeRequest, OperatorKubeConfig, retryAfterMs, type ApiLimits, type ApiRequest } from './api-connection.js';

describe('describeRequest: verb and resource as the audit log names them', () => {
  test.each([
    ['GET', '/api/v1/namespaces/team/secrets/keys', 'get', 'secrets'],
    ['GET', '/api/v1/namespaces/team/pods?labelSelector=a%3Db', 'list', 'pods'],
    ['GET', '/api/v1/pods?watch=true&resourceVersion=5', 'watch', 'pods'],
    ['PATCH', '/api/v1/namespaces/team/pods/demo-1/status', 'patch', 'pods/status'],
    ['POST', '/api/v1/namespaces/team/events', 'create', 'events'],
    ['PATCH', '/apis/r4.dev/v1alpha1/namespaces/team/entropyappliances/demo/status?fieldManager=r4', 'patch', 'entropyappliances/status'],
    ['GET', '/api/v1/namespaces/team', 'get', 'namespaces'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/r4-system/leases/r4-operator', 'update', 'leases'],
  ])('%s %s: %s %s', (method, path, verb, resource) => {
    expect(describeRequest(method, path)).toEqual({ verb, resource });
  });

  test('Retry-After in seconds or as a date, bounded; absent or garbled: 1 s', () => {
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
    expect(retryAfterMs('3600')).toBe(60_000);
    expect(retryAfterMs(undefined)).toBe(1_000);
    expect(retryAfterMs('soon')).toBe(1_000);
  });
});

describe('OperatorKubeConfig against an HTTPS server', () => {
  let server: Server;
  let port = 0;
  let ca = '';
  const connections: number[] = [];
  const arrivals: { path: string; at: number }[] = [];
  /** Paths answered 429 once, with this Retry-After. */
  const throttled = new Map<string, string>();

  beforeAll(async () => {
    const now = new Date();
    const authority = await createCertificateAuthority({ commonName: 'api connection test CA', now });
    const leaf = await issueServerCertificate(authority, { dnsNames: ['localhost'], now, validityDays: 1 });
    ca = authority.certPem;
    server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      const path = req.url ?? '/';
      arrivals.push({ path, at: Date.now() });
      const retryAfter = throttled.get(path);
      res.setHeader('content-type', 'application/json');
      if (retryAfter !== undefined) {
        throttled.delete(path);
        res.writeHead(429, { 'retry-after': retryAfter });
        res.end(JSON.stringify({ kind: 'Status', code: 429, message: 'too many requests' }));
        return;
      }
      res.end(JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: path.split('/').pop() } }));
    });
    server.on('secureConnection', () => connections.push(Date.now()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections.length = 0;
    arrivals.length = 0;
  });

  function kubeConfig(limits: ApiLimits, counted: ApiRequest[] = []): OperatorKubeConfig {
    const config = new OperatorKubeConfig(limits, (r) => counted.push(r));
    config.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, caData: Buffer.from(ca).toString('base64'), tlsServerName: 'localhost' }],
      users: [{ name: 'u', token: 'test-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return config;
  }

  test('twenty requests share a kept-alive TLS connection (client-node alone opens one each); each counted', async () => {
    const counted: ApiRequest[] = [];
    const core = kubeConfig({ qps: 1_000, burst: 1_000 }, counted).makeApiClient(CoreV1Api);
    for (let i = 0; i < 20; i++) await core.readNamespacedSecret({ name: `s${i}`, namespace: 'team' });
    // The first answer may still be closing in undici when the second request goes: at most two.
    expect(connections.length).toBeLessThanOrEqual(2);
    expect(counted).toHaveLength(20);
    expect(counted[0]).toEqual({ verb: 'get', resource: 'secrets', code: 200 });
  });

  test('beyond the burst, requests go at the rate asked', async () => {
    const core = kubeConfig({ qps: 20, burst: 5 }).makeApiClient(CoreV1Api);
    const started = Date.now();
    await Promise.all(Array.from({ length: 15 }, (_, i) => core.readNamespacedSecret({ name: `b${i}`, namespace: 'team' })));
    // 5 at once, then 10 more at 20/s: the last no sooner than 500 ms after the first (a busy machine only delays more).
    const times = arrivals.map((a) => a.at - started).sort((a, b) => a - b);
    expect(times[14]).toBeGreaterThanOrEqual(450);
  });

  test("a 429's Retry-After holds the next request; the Lease is not held", async () => {
    const config = kubeConfig({ qps: 1_000, burst: 1_000 });
    const core = config.makeApiClient(CoreV1Api);
    throttled.set('/api/v1/namespaces/team/secrets/hot', '1');
    await expect(core.readNamespacedSecret({ name: 'hot', namespace: 'team' })).rejects.toMatchObject({ code: 429 });
    const throttledAt = Date.now();
    const lease = config.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'r4-operator', namespace: 'r4-system' }).catch(() => undefined);
    await core.readNamespacedSecret({ name: 'after', namespace: 'team' });
    await lease;
    const at = (suffix: string) => arrivals.find((a) => a.path.endsWith(suffix))?.at ?? 0;
    expect(at('/secrets/after') - throttledAt).toBeGreaterThanOrEqual(900);
    expect(at('/leases/r4-operator')).toBeLessThan(at('/secrets/after'));
  });
});
