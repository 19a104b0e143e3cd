import fc from 'fast-check';
import { closeAgent, get, KEY, startTestService, type TestService } from './harness.js';

/** Property-based fuzzing of the query string: whatever a caller sends, the answer is never a 5xx. */
describe('fuzzing GET /random query strings', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ RATE_LIMIT_RPS: '0', RATE_LIMIT_IP_RPS: '0', RATE_LIMIT_IP_AUTH_FAILURES_PER_S: '0', RATE_LIMIT_BYTES_PER_S: '0', MAX_BYTES_PER_REQUEST: '4096' });
  });
  afterAll(async () => {
    await t.stop();
    closeAgent();
  });

  // Raw fragments that are valid on the wire but hostile to decoders and parsers.
  const raw = fc.constantFrom('%', '%zz', '%00', '%ff', '%C3%28', '%E0%A4%A', '&', '=', '&&', '==', '[]', '+', '%26', '%3D', '__proto__', 'constructor', '%6Bey', 'n[]');
  const text = fc.oneof(fc.string({ maxLength: 12 }).map(encodeURIComponent), fc.string({ unit: 'binary', maxLength: 6 }).map(encodeURIComponent), raw);
  const name = fc.oneof(fc.constantFrom('n', 'fmt', 'key', 'N', 'n%20', 'fmt'), text);
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5000 }).map(String),
    fc.constantFrom('1e3', '0x10', '00032', '1.5', '9'.repeat(30), 'raw', 'hex', 'base64', 'HEX', '', KEY),
    text,
  );
  const pair = fc.oneof(fc.tuple(name, value).map(([k, v]) => `${k}=${v}`), name, raw);
  const query = fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'));
  const headers = fc.constantFrom<Record<string, string>>({ 'x-api-key': KEY }, { 'x-api-key': KEY }, {}, { 'x-api-key': 'nope' });

  it('never answers 5xx, and every refusal is a JSON detail', async () => {
    await fc.assert(
      fc.asyncProperty(query, headers, async (q, h) => {
        const answer = await get(`${t.url}/random?${q}`, h);
        expect(answer.status).toBeLessThan(500);
        if (answer.status === 200) {
          expect(answer.headers['x-r4-mode']).toBe('sealed');
          return;
        }
        expect([400, 401]).toContain(answer.status);
        const body = JSON.parse(answer.body.toString()) as { detail?: unknown };
        expect(typeof body.detail).toBe('string');
      }),
      { numRuns: 400 },
    );
  });
});
