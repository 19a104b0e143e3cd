import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeAgent, get, getJson, KEY, scratchDir, startTestService } from './harness.js';

afterAll(() => closeAgent());

describe('rate limits', () => {
  it('refuse the request over the per-key rate with 429 and Retry-After', async () => {
    const t = await startTestService({ RATE_LIMIT_RPS: '5', RATE_LIMIT_IP_RPS: '0' });
    try {
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await get(`${t.url}/random?n=8`, { 'x-api-key': KEY }));
      const statuses = answers.map((a) => a.status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      const refused = answers.find((a) => a.status === 429);
      expect(refused).toBeDefined();
      expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(refused?.body.toString() ?? '{}')).toEqual({ detail: 'rate limit exceeded: 5 requests per second per key' });
      expect((await get(`${t.url}/metrics`)).body.toString()).toMatch(/^r4_rate_limited_total\{limit="key_requests"\} [1-9]/m);
      // The bucket refills: after the advertised wait the key is served again.
      await new Promise((resolve) => setTimeout(resolve, Number(refused?.headers['retry-after']) * 1000));
      expect((await get(`${t.url}/random?n=8`, { 'x-api-key': KEY })).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('count bytes per key', async () => {
    const t = await startTestService({ MAX_BYTES_PER_REQUEST: '1000', RATE_LIMIT_BYTES_PER_S: '1000' });
    try {
      expect((await get(`${t.url}/random?n=600`, { 'x-api-key': KEY })).status).toBe(200);
      const refused = await getJson(`${t.url}/random?n=600`, { 'x-api-key': KEY });
      expect(refused).toMatchObject({ status: 429, json: { detail: 'rate limit exceeded: 1000 bytes per second per key' } });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await get(`${t.url}/random?n=300`, { 'x-api-key': KEY })).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('limit each key separately', async () => {
    const scratch = scratchDir('two-keys');
    const [one, two] = ['key-one-0123456789abcdef0123456789', 'key-two-0123456789abcdef0123456789'];
    writeFileSync(join(scratch.dir, 'keys'), `${one}\n${two}\n`);
    const t = await startTestService({ API_KEY: '', API_KEYS_FILE: join(scratch.dir, 'keys'), RATE_LIMIT_RPS: '2' });
    try {
      for (const key of [one, one]) expect((await get(`${t.url}/random?n=1`, { 'x-api-key': key })).status).toBe(200);
      expect((await get(`${t.url}/random?n=1`, { 'x-api-key': one })).status).toBe(429);
      expect((await get(`${t.url}/random?n=1`, { 'x-api-key': two })).status).toBe(200);
    } finally {
      await t.stop();
      scratch.remove();
    }
  });

  it('limit each client IP before authentication, so key guessing is throttled too', async () => {
    const t = await startTestService({ RATE_LIMIT_IP_RPS: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(`${t.url}/random?n=1`, { 'x-api-key': `guess-${i}` })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const refused = await getJson(`${t.url}/random?n=1`, { 'x-api-key': KEY });
      expect(refused).toMatchObject({ status: 429, json: { detail: 'rate limit exceeded: 3 requests per second per client IP' } });
      // Probes and the operator are not rate limited.
      expect((await get(`${t.url}/version`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});
