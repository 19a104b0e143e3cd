import { closeAgent, get, KEY, startTestService, type TestService } from './harness.js';

/**
 * No 16-byte block repeats across 10,000 concurrent responses: bytes are served once, never twice, never to
 * two callers. A repeat among 40,000 random 128-bit blocks has probability ~2^-99; a repeat here is a bug.
 */
describe('10,000 concurrent responses', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ RATE_LIMIT_RPS: '0', RATE_LIMIT_IP_RPS: '0', RATE_LIMIT_BYTES_PER_S: '0' });
  });
  afterAll(async () => {
    await t.stop();
    closeAgent();
  });

  it('never repeat a 16-byte block', async () => {
    const RESPONSES = 10_000;
    const CONCURRENCY = 64; // bounded: the harness agent keeps at most 64 sockets
    const N = 64;
    const blocks = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < RESPONSES) {
        next += 1;
        const answer = await get(`${t.url}/random?n=${N}`, { 'x-api-key': KEY });
        expect(answer.status).toBe(200);
        expect(answer.body).toHaveLength(N);
        for (let offset = 0; offset < N; offset += 16) blocks.add(answer.body.toString('hex', offset, offset + 16));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(blocks.size).toBe((RESPONSES * N) / 16);
  });
});
