// The dashboard's server on a real socket: what it serves, to whom, with which headers, and that nothing
// on it writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { applianceDetailSchema, fleetSchema, streamMessageSchemas, type StreamMessage } from '../../api/dashboard/v1.js';
import { createLogger } from '../log.js';
import { FleetView, type Appliance } from './fleet-view.js';
import { CONTENT_SECURITY_POLICY, startDashboardServer, type DashboardServer } from './server.js';

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) });
// Kubernetes' integer formats; the type already says integer.
for (const format of ['int32', 'int64']) ajv.addFormat(format, true);
const valid = (schema: { json: object }, value: unknown) => {
  const check = ajv.compile(schema.json);
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

const appliance = (verdict: 'Attested' | 'Cordoned'): Appliance => ({
  apiVersion: 'r4.dev/v1alpha1',
  kind: 'EntropyAppliance',
  metadata: { name: 'demo', namespace: 'ns', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  spec: { apiKeySecretRef: { name: 'keys' } },
  status: {
    expectedCoreSha256: 'c'.repeat(64),
    imageDigest: `sha256:${'d'.repeat(64)}`,
    conditions: [{ type: 'Available', status: 'True', reason: 'Attested', message: '1 of 1 pod attested', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    pods: [{ name: 'demo-a', verdict, reason: verdict === 'Attested' ? 'Attested' : 'HashMismatch', message: 'm', consecutiveFailures: 0, verdictSince: '2026-01-01T00:01:00Z' }],
  },
});

let dir: string;
let synced = true;
let view: FleetView;
let server: DashboardServer;
let base: string;
const tokenFile = () => join(dir, 'token');

async function start(withToken: boolean): Promise<void> {
  await server?.close();
  view = new FleetView({ replica: 'op-1', leader: () => false, synced: () => synced });
  view.podChanged('add', {
    metadata: { name: 'demo-a', namespace: 'ns', labels: { 'r4.dev/appliance': 'demo' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'demo-1', uid: 'u', controller: true }] },
    status: { phase: 'Running' },
  });
  view.applianceChanged('add', appliance('Attested'));
  server = await startDashboardServer({ host: '127.0.0.1', port: 0, source: view, assetsDir: dir, ...(withToken && { tokenFile: tokenFile() }), log: createLogger('error'), heartbeatSeconds: 1 });
  base = `http://127.0.0.1:${server.port}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'r4-dashboard-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>r4</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(dir, 'app.js'), 'export {};');
  await start(false);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('without a token', () => {
  test('the page, its script, and the fleet and an appliance in the documented shapes, each with the security headers', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/assets/app.js', 'text/javascript'], ['/api/v1/appliances', 'application/json'], ['/api/v1/appliances/ns/demo', 'application/json'], ['/api/v1/openapi.json', 'application/json']]) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([path, 200, type]);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const fleet = await (await fetch(`${base}/api/v1/appliances`)).json();
    expect(valid(fleetSchema, fleet)).toEqual([]);
    expect(fleet).toMatchObject({ replica: 'op-1', leader: false, appliances: [{ namespace: 'ns', name: 'demo', state: 'Trusted', attested: 1 }] });
    const detail = (await (await fetch(`${base}/api/v1/appliances/ns/demo`)).json()) as { pods: unknown[] };
    expect(valid(applianceDetailSchema, detail)).toEqual([]);
    expect(detail.pods[0]).toMatchObject({ name: 'demo-a', verdict: 'Attested', phase: 'Running' });
  });

  test('clear errors: unknown paths and appliances, bad names (bad percent-encoding too), a missing asset', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/v1/appliances/ns/other', 404, /no appliance ns\/other/],
      ['/api/v1/appliances/NS/demo', 400, /Kubernetes object names/],
      ['/api/v1/appliances/%E0%A4%A/demo', 400, /Kubernetes object names/],
      ['/api/v1/nothing', 404, /no such path/],
      ['/assets/app.css', 503, /not built.*npm run build/],
      ['/assets/../../etc/passwd', 404, /no such/],
      ['/etc/passwd', 404, /no such path/],
    ];
    for (const [path, status, detail] of cases) {
      const res = await fetch(`${base}${path}`);
      const body = (await res.json()) as { detail: string };
      expect([path, res.status]).toEqual([path, status]);
      expect(body.detail).toMatch(detail);
    }
  });

  test('read-only: every method that could write is refused', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${base}/api/v1/appliances/ns/demo`, { method, body: method === 'DELETE' ? null : '{}' });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'GET, HEAD']);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/read-only/);
    }
  });

  test('until the watches have listed, the API answers 503 (the page itself is served)', async () => {
    synced = false;
    try {
      expect((await fetch(`${base}/api/v1/appliances`)).status).toBe(503);
      expect((await fetch(`${base}/`)).status).toBe(200);
    } finally {
      synced = true;
    }
  });

  test('the stream: hello, then each change once with its revision, and heartbeats; every message in its documented shape', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/stream`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const messages: StreamMessage[] = [];
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!done() && Date.now() < deadline) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        text += value;
        let end;
        while ((end = text.indexOf('\n\n')) !== -1) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1] as StreamMessage['type'];
          messages.push({ type, data: JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null') } as StreamMessage);
        }
      }
    };
    await until(() => messages.length >= 1);
    expect(messages[0]).toMatchObject({ type: 'hello', data: { replica: 'op-1', leader: false, heartbeatSeconds: 1 } });
    const start = messages[0]!.data.revision;
    view.applianceChanged('update', appliance('Cordoned'));
    await until(() => messages.some((m) => m.type === 'verdict-change') && messages.some((m) => m.type === 'heartbeat'));
    controller.abort();
    const changes = messages.filter((m) => m.type !== 'hello' && m.type !== 'heartbeat');
    expect(changes.map((m) => m.type)).toEqual(['appliance', 'pods', 'verdict-change']);
    expect(changes.map((m) => m.data.revision)).toEqual([start + 1, start + 2, start + 3]);
    for (const m of messages) expect([m.type, valid(streamMessageSchemas[m.type], m.data)]).toEqual([m.type, []]);
  });
});

describe('with a token (DASHBOARD_TOKEN_FILE)', () => {
  beforeAll(async () => {
    writeFileSync(tokenFile(), 'first-token-0123456789\n');
    await start(true);
  });

  const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  test('every API path needs it; the page and the OpenAPI document do not (they hold no data)', async () => {
    for (const path of ['/api/v1/appliances', '/api/v1/appliances/ns/demo', '/api/v1/stream']) {
      const res = await get(path);
      expect([path, res.status, res.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer realm="r4-dashboard"']);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/bearer token is required/);
      expect((await get(path, 'first-token-0123456788')).status).toBe(401);
    }
    expect((await get('/api/v1/appliances', 'first-token-0123456789')).status).toBe(200);
    expect((await get('/')).status).toBe(200);
    expect((await get('/api/v1/openapi.json')).status).toBe(200);
  });

  test('a rotated token takes effect at once; an unreadable or empty token file lets nobody in', async () => {
    writeFileSync(tokenFile(), 'second-token-with-another-length');
    expect((await get('/api/v1/appliances', 'first-token-0123456789')).status).toBe(401);
    expect((await get('/api/v1/appliances', 'second-token-with-another-length')).status).toBe(200);
    writeFileSync(tokenFile(), '');
    const empty = await get('/api/v1/appliances', 'second-token-with-another-length');
    expect(empty.status).toBe(503);
    rmSync(tokenFile());
    expect((await get('/api/v1/appliances', 'second-token-with-another-length')).status).toBe(503);
  });
});
