import { randomBytes, verify } from 'node:crypto';
import { connect } from 'node:net';
import { closeAgent, get, getJson, KEY, RELEASE_MANIFEST, startTestService, type TestService } from './harness.js';
import { readFileSync } from 'node:fs';
import { ATTESTATION_PATH, attestationMessage, attestationQuery, ed25519PublicKey, type AttestationAnswer } from '../../contracts/attestation.js';

/** Every endpoint and every error of the API, on a real socket with the real core (sealed mode). */
describe('the entropy API, sealed', () => {
  let t: TestService;
  const auth = { 'x-api-key': KEY };

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t.stop();
    closeAgent();
  });

  describe('GET /health', () => {
    it('answers the JSON string "ok"', async () => {
      const answer = await get(`${t.url}/health`);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.body.toString()).toBe('"ok"');
    });
  });

  describe('GET /ready', () => {
    it('is 200 while sealed', async () => {
      expect(await getJson(`${t.url}/ready`)).toMatchObject({ status: 200, json: { mode: 'sealed' } });
    });
  });

  describe('GET /version', () => {
    it('needs no key and reports the measured, verified core', async () => {
      const { status, json, headers } = await getJson(`${t.url}/version`);
      expect(status).toBe(200);
      expect(headers['cache-control']).toBe('no-store');
      const manifest = JSON.parse(readFileSync(RELEASE_MANIFEST, 'utf8')) as { core_sha256: string; git: string };
      expect(json).toMatchObject({
        name: 're4ctor-api',
        version: expect.any(String),
        api_git: expect.any(String),
        core_git: manifest.git,
        core_sha256: manifest.core_sha256,
        integrity: 'verified',
        selftest: 'pass',
        mode: 'sealed',
        sealed_core: expect.stringMatching(/r4-core-.*\/re4_dump$/),
        limits: { max_bytes_per_request: 1_000_000, rate_limit: expect.any(Object) },
        uptime_s: expect.any(Number),
        core: { state: 'running', pid: expect.any(Number), restarts: 0, noise_samples: expect.any(Number), reseeds: expect.any(Number) },
      });
    });
  });

  describe('GET /attestation', () => {
    const ask = (podUid = 'a2d5e0f4-0000-4000-8000-000000000001', containerId = 'containerd://abc123') => ({ nonce: randomBytes(32).toString('hex'), podUid, containerId });
    const attest = async (request: ReturnType<typeof ask>) => getJson<AttestationAnswer>(`${t.url}${ATTESTATION_PATH}?${attestationQuery(request)}`);

    it('needs no key and signs the /version document for this nonce, pod and container', async () => {
      const request = ask();
      const { status, headers, json } = await attest(request);
      expect(status).toBe(200);
      expect(headers['cache-control']).toBe('no-store');
      expect(json).toMatchObject({ algorithm: 'Ed25519', nonce: request.nonce, pod_uid: request.podUid, container_id: request.containerId, unsigned_reason: null });
      expect(JSON.parse(json.document)).toMatchObject({ core_sha256: expect.stringMatching(/^[0-9a-f]{64}$/), integrity: 'verified', mode: 'sealed' });
      const key = ed25519PublicKey(Buffer.from(json.public_key ?? '', 'base64'));
      if (!key) throw new Error('no Ed25519 key in the answer');
      const signature = Buffer.from(json.signature ?? '', 'base64');
      expect(verify(null, attestationMessage(request, json.document), key, signature)).toBe(true);
      // The signature covers the pod and container the asker named: the same answer for another pod fails.
      expect(verify(null, attestationMessage({ ...request, podUid: 'another-pod' }, json.document), key, signature)).toBe(false);
    });

    it('keeps one key for the life of the process, with a fresh signature for every nonce', async () => {
      const [first, second] = [await attest(ask()), await attest(ask())];
      expect(second.json.public_key).toBe(first.json.public_key);
      expect(second.json.signature).not.toBe(first.json.signature);
    });

    it.each([
      ['no nonce', 'pod_uid=p&container_id=containerd://1', 'nonce is required: 64 lowercase hex digits (32 fresh random bytes)'],
      ['a nonce given twice', `nonce=${'ab'.repeat(32)}&nonce=${'cd'.repeat(32)}&pod_uid=p&container_id=containerd://1`, 'nonce must be given once'],
      ['a container ID without a runtime', `nonce=${'ab'.repeat(32)}&pod_uid=p&container_id=abc`, 'container_id must be a container ID as the kubelet reports it: <runtime>://<id>'],
      ['an unknown parameter', `nonce=${'ab'.repeat(32)}&pod_uid=p&container_id=containerd://1&sign=no`, 'unknown query parameter "sign" (allowed: nonce, pod_uid, container_id)'],
    ])('answers %s with 400 saying what is wrong, and signs nothing', async (_what, query, detail) => {
      const answer = await getJson(`${t.url}${ATTESTATION_PATH}?${query}`);
      expect(answer).toMatchObject({ status: 400, json: { detail } });
      expect(answer.json).not.toHaveProperty('signature');
    });
  });

  describe('the core process', () => {
    it('does not receive the API key in its environment', async () => {
      const pid = ((await getJson<{ core: { pid: number } }>(`${t.url}/version`)).json.core.pid);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ.length).toBeGreaterThan(0);
      expect(environ).not.toContain(KEY);
    });
  });

  describe('GET /random', () => {
    it('serves lowercase hex with a key in the header', async () => {
      const answer = await get(`${t.url}/random?n=32&fmt=hex`, auth);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer.headers['x-r4-mode']).toBe('sealed');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body.toString()).toMatch(/^[0-9a-f]{64}$/);
    });

    it('serves base64 with a key in the query', async () => {
      const answer = await get(`${t.url}/random?n=30&fmt=base64&key=${KEY}`);
      expect(answer.status).toBe(200);
      expect(Buffer.from(answer.body.toString(), 'base64')).toHaveLength(30);
    });

    it('serves raw bytes by default and with fmt=raw', async () => {
      for (const query of ['n=17', 'n=17&fmt=raw']) {
        const answer = await get(`${t.url}/random?${query}`, auth);
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('application/octet-stream');
        expect(answer.body).toHaveLength(17);
      }
    });

    it('returns exactly 1,000,000 raw bytes for n=1000000', async () => {
      const answer = await get(`${t.url}/random?n=1000000`, auth);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-length']).toBe('1000000');
      expect(answer.body).toHaveLength(1_000_000);
      // Random, not a zeroed (wiped) buffer: a run of 16 zero bytes has probability ~2^-128 per position.
      expect(answer.body.includes(Buffer.alloc(16))).toBe(false);
    });

    it('never answers twice with the same bytes', async () => {
      const [a, b] = await Promise.all([get(`${t.url}/random?n=64&fmt=hex`, auth), get(`${t.url}/random?n=64&fmt=hex`, auth)]);
      expect(a.body.toString()).not.toBe(b.body.toString());
    });

    it.each([
      ['no key', {}, ''],
      ['a wrong header key', { 'x-api-key': 'wrong' }, ''],
      ['a wrong query key', {}, '&key=wrong'],
      ['an empty key', { 'x-api-key': '' }, ''],
      ['a key given twice in the query', {}, `&key=${KEY}&key=${KEY}`],
    ])('refuses %s with 401 invalid api key', async (_name, headers, extra) => {
      const answer = await getJson(`${t.url}/random?n=8${extra}`, headers);
      expect(answer).toMatchObject({ status: 401, json: { detail: 'invalid api key' } });
    });

    it('checks the key before the query, so bad input reveals nothing to strangers', async () => {
      expect((await getJson(`${t.url}/random?n=abc`)).status).toBe(401);
    });

    it.each([
      ['', 'n is required: an integer from 1 to 1000000'],
      ['?n=', 'n must be an integer from 1 to 1000000'],
      ['?n=0', 'n must be an integer from 1 to 1000000'],
      ['?n=1000001', 'n must be an integer from 1 to 1000000'],
      ['?n=-5', 'n must be an integer from 1 to 1000000'],
      ['?n=3.5', 'n must be an integer from 1 to 1000000'],
      ['?n=0x10', 'n must be an integer from 1 to 1000000'],
      ['?n=1e3', 'n must be an integer from 1 to 1000000'],
      ['?n=abc', 'n must be an integer from 1 to 1000000'],
      ['?n=1&n=2', 'n must be given once'],
      ['?n=8&fmt=HEX', 'fmt must be one of raw, hex, base64'],
      ['?n=8&fmt=binary', 'fmt must be one of raw, hex, base64'],
      ['?n=8&size=3', 'unknown query parameter "size" (allowed: n, fmt, key)'],
    ])('answers %s with 400 saying what is wrong', async (query, detail) => {
      const answer = await getJson(`${t.url}/random${query}`, auth);
      expect(answer).toMatchObject({ status: 400, json: { detail } });
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
    });

    it('does not offer HEAD, which would draw bytes only to discard them', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => {
          socket.write(`HEAD /random?n=8 HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEY}\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(Number(text.split(' ')[1])));
        socket.on('error', reject);
      });
      expect(status).toBe(404);
    });
  });

  describe('errors outside the routes', () => {
    it('answers an unknown path with 404 JSON', async () => {
      expect(await getJson(`${t.url}/nope`)).toMatchObject({ status: 404, json: { detail: 'not found' } });
    });

    it('answers a request the HTTP parser rejects with 400 JSON, not a 500', async () => {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => socket.write('GARBAGE \x00\x01 nonsense\r\n\r\n'));
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
      });
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expect(text).toContain('{"detail":"malformed request"}');
    });

    it('answers a malformed percent-encoding in the path with 400 JSON', async () => {
      const answer = await get(`${t.url}/random%zz?n=1`, auth);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body.toString())).toEqual({ detail: 'malformed url' });
    });
  });

  describe('GET /openapi.json', () => {
    it('documents every public route from the route schemas', async () => {
      const { status, json } = await getJson<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>; components: { securitySchemes: object } }>(
        `${t.url}/openapi.json`,
      );
      expect(status).toBe(200);
      expect(json.openapi).toMatch(/^3\./);
      expect(Object.keys(json.paths).sort()).toEqual(['/attestation', '/health', '/metrics', '/random', '/ready', '/version', '/vrf', '/vrf/beacon/info', '/vrf/beacon/latest', '/vrf/beacon/{round}', '/vrf/keys']);
      const parameters = json.paths['/random']?.get?.parameters ?? [];
      // The key parameter is documented by the security schemes below rather than as a plain parameter.
      expect(parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['query:fmt', 'query:n']);
      expect(json.components.securitySchemes).toEqual({
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'key' },
      });
    });
  });

  describe('GET /metrics', () => {
    it('exposes requests, bytes, mode, pool, restarts and latency in Prometheus format', async () => {
      await get(`${t.url}/random?n=100`, auth);
      const answer = await get(`${t.url}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = answer.body.toString();
      expect(text).toMatch(/^# TYPE r4_http_requests_total counter$/m);
      expect(text).toMatch(/^r4_http_requests_total\{route="\/random",status="200"\} \d+/m);
      expect(text).toMatch(/^r4_http_requests_total\{route="\/random",status="401"\} \d+/m);
      expect(text).toMatch(/^r4_random_bytes_served_total\{source="core"\} \d+/m);
      expect(text).toMatch(/^r4_mode\{mode="sealed"\} 1$/m);
      expect(text).toMatch(/^r4_mode\{mode="blocked"\} 0$/m);
      expect(text).toMatch(/^r4_pool_bytes \d+/m);
      expect(text).toMatch(/^r4_core_restarts_total 0$/m);
      expect(text).toMatch(/^r4_http_request_duration_seconds_bucket\{route="\/random",le="0.001"\} \d+/m);
      // Every sample line is `name{labels} value`: the whole document parses as the text format.
      for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
        expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+Inf-]+$/);
      }
    });
  });

  describe('logs', () => {
    it('carry request id, route, status, n, fmt, latency, IP and key id, and never the key nor a query value', async () => {
      await get(`${t.url}/random?n=5&fmt=hex`, auth);
      await get(`${t.url}/random?n=5&key=${KEY}`);
      await get(`${t.url}/random?n=bad&%6Bey=${KEY}`); // the key under a percent-encoded name
      await get(`${t.url}/random?n=5`, { 'x-api-key': `${KEY}-wrong` });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      const access = lines.filter((line) => line.msg === 'request' && line.route === '/random');
      expect(access.find((line) => line.fmt === 'hex' && line.n === 5)).toMatchObject({
        reqId: expect.any(String),
        status: 200,
        n: 5,
        fmt: 'hex',
        latency_ms: expect.any(Number),
        ip: '127.0.0.1',
        key_id: expect.stringMatching(/^[0-9a-f]{12}$/),
        mode: 'sealed',
      });
      expect(access.findLast((line) => line.status === 400)).toMatchObject({ query_params: ['n', 'key'] });
      expect(t.logs.join('\n')).not.toContain(KEY);
      expect(t.logs.join('\n')).not.toContain('bad');
    });
  });
});
