import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerMemoryLent } from '../../service/core/answerBuffers.js';
import { closeAgent, get, scratchDir, startTestService, waitUntil, type TestService } from './harness.js';
import { askAndNeverRead, type StuckClient } from './raw-clients.js';

const MIB = 1024 * 1024;
/** Far more than the kernel's socket buffers take on loopback, so an unread answer stays in the process. */
const N = 16 * MIB;
const KEYS = ['a', 'b', 'c', 'd'].map((name) => `${name.repeat(8)}-bytes-in-flight-test-key-0123456789`);
const [A, B, C, D] = KEYS as [string, string, string, string];

/**
 * Answers that clients do not read are held by the service until delivered; these tests hold some and watch
 * the cap, the per-key share, and what happens to an answer whose client leaves (in this process, so the
 * answer memory can be watched).
 */
describe('bytes in flight', () => {
  let t: TestService;
  const scratch = scratchDir('in-flight');
  const stuck: StuckClient[] = [];
  const neverRead = (key: string, n = N) => {
    const client = askAndNeverRead(t.url, `/random?n=${n}`, { 'x-api-key': key });
    stuck.push(client);
    return client;
  };

  beforeAll(async () => {
    const keysFile = join(scratch.dir, 'keys');
    writeFileSync(keysFile, `${KEYS.join('\n')}\n`);
    t = await startTestService({
      API_KEY: '',
      API_KEYS_FILE: keysFile,
      MAX_BYTES_PER_REQUEST: String(N),
      RATE_LIMIT_BYTES_PER_S: '0',
      // The smallest a key's share may be: the hex answer to the largest request.
      MAX_BYTES_IN_FLIGHT: String(6 * N),
      MAX_BYTES_IN_FLIGHT_PER_KEY: String(2 * N),
    });
  });
  afterAll(async () => {
    for (const client of stuck) client.socket.destroy();
    await t.stop();
    closeAgent();
    scratch.remove();
  });

  it('wipes and gives back an answer whose client closes the connection before reading it', async () => {
    const before = answerMemoryLent();
    const clients = [neverRead(A), neverRead(A)];
    for (const client of clients) expect(await client.head).toMatch(/^HTTP\/1.1 200 /);
    // The answers are held: their memory is lent, and their key has used its share.
    expect(answerMemoryLent()).toBe(before + 2 * N);
    expect((await get(`${t.url}/random?n=${N}`, { 'x-api-key': A })).status).toBe(429);

    for (const client of clients) client.socket.destroy();
    await waitUntil('the answer memory to be wiped', async () => answerMemoryLent(), (lent) => lent === before, 5_000);
    const again = await get(`${t.url}/random?n=${N}`, { 'x-api-key': A });
    expect(again.status).toBe(200);
    expect(again.body).toHaveLength(N);
  });

  it('gives back the place of every answer delivered, on a kept-alive connection too', async () => {
    // Three answers in a row, each read to its end, hold more than the key's share together: none is refused.
    for (let i = 0; i < 3; i++) expect((await get(`${t.url}/random?n=${N}`, { 'x-api-key': B })).status).toBe(200);
  });

  it('refuses a key over its share with 429, and everyone over the total with 503, each with Retry-After', async () => {
    const held = [A, A, B, B, C, C].map((key) => neverRead(key));
    for (const client of held) expect(await client.head).toMatch(/^HTTP\/1.1 200 /);

    const overShare = await get(`${t.url}/random?n=32`, { 'x-api-key': A });
    expect(overShare.status).toBe(429);
    expect(overShare.headers['retry-after']).toBe('1');
    expect(JSON.parse(overShare.body.toString())).toEqual({ detail: `too many bytes in flight for this key: its answers not yet delivered hold ${2 * N} bytes or more` });

    const overTotal = await get(`${t.url}/random?n=32&fmt=hex`, { 'x-api-key': D });
    expect(overTotal.status).toBe(503);
    expect(overTotal.headers['retry-after']).toBe('1');
    expect(JSON.parse(overTotal.body.toString())).toEqual({ detail: `too many bytes in flight: answers not yet delivered hold ${6 * N} bytes or more; retry shortly` });

    // The probes are never refused for it.
    expect((await get(`${t.url}/health`)).status).toBe(200);

    held[2]?.socket.destroy();
    await held[2]?.closed;
    await waitUntil('room for another answer', async () => (await get(`${t.url}/random?n=32`, { 'x-api-key': D })).status, (status) => status === 200, 5_000);
  });
});
