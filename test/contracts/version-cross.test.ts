// The service and the operator agree on /version and on the signed attestation around it: a real service,
// in every mode it can be in, answers, and the operator's parser, signature check and verdict read that
// very answer as they should.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ATTESTATION_PATH, attestationQuery } from '../../contracts/attestation.js';
import { parseVersionDocument } from '../../contracts/version-document.js';
import { checkAnswer } from '../../operator/attestation/answer.js';
import { attest } from '../../operator/attestation/verdict.js';
import { get, manifestFor, RELEASE_CORE, RELEASE_MANIFEST, scratchDir, sha256File, startTestService, TEST_HOOKS_CORE, closeAgent } from '../service/harness.js';

afterAll(() => closeAgent());

const releaseSha = () => sha256File(RELEASE_CORE);

test.each([
  { mode: 'sealed', env: () => ({}), expect: { integrity: 'verified', selftest: 'pass', mode: 'sealed', demo: false }, reason: 'Attested', signed: true },
  // Demo mode takes short keys: sealed and signed, yet never attested.
  { mode: 'demo (R4_DEMO=1)', env: () => ({ R4_DEMO: '1', API_KEY: 'demo' }), expect: { mode: 'sealed', demo: true }, reason: 'DemoMode', signed: true },
  {
    mode: 'fallback (self-test failed, STRICT_FIPS=0)',
    env: (dir: string) => ({ R4_CORE_PATH: TEST_HOOKS_CORE, R4_MANIFEST_PATH: manifestFor(TEST_HOOKS_CORE, dir), R4_TEST_FAULT: 'kat-corrupt', STRICT_FIPS: '0' }),
    expect: { integrity: 'verified', selftest: 'fail', mode: 'fallback' },
    reason: 'SelfTestFailed',
    expected: () => sha256File(TEST_HOOKS_CORE),
  },
  {
    mode: 'blocked (self-test failed, STRICT_FIPS=1)',
    env: (dir: string) => ({ R4_CORE_PATH: TEST_HOOKS_CORE, R4_MANIFEST_PATH: manifestFor(TEST_HOOKS_CORE, dir), R4_TEST_FAULT: 'kat-corrupt', STRICT_FIPS: '1' }),
    expect: { integrity: 'verified', selftest: 'fail', mode: 'blocked' },
    reason: 'SelfTestFailed',
    expected: () => sha256File(TEST_HOOKS_CORE),
  },
  {
    mode: 'integrity missing (no core at the path)',
    env: (dir: string) => ({ R4_CORE_PATH: join(dir, 'absent'), R4_MANIFEST_PATH: RELEASE_MANIFEST }),
    expect: { integrity: 'missing', mode: 'blocked', core_sha256: null },
    reason: 'IntegrityMissing',
  },
  {
    mode: 'integrity mismatch (the manifest names another core)',
    env: (dir: string) => ({ R4_MANIFEST_PATH: manifestFor(TEST_HOOKS_CORE, dir) }),
    expect: { integrity: 'mismatch', mode: 'blocked' },
    reason: 'IntegrityMismatch',
  },
])('$mode: the operator parses the real answer and judges it $reason', async ({ env, expect: fields, reason, expected, signed }) => {
  const scratch = scratchDir('cross');
  const t = await startTestService(env(scratch.dir));
  try {
    const answer = await get(`${t.url}/version`);
    expect(answer.status).toBe(200);
    const body = answer.body.toString();
    expect(JSON.parse(body)).toMatchObject(fields);
    const parsed = parseVersionDocument(body);
    if (!parsed.ok) throw new Error(`the operator's parser refused the service's answer: ${parsed.reason}`);

    const request = { nonce: randomBytes(32).toString('hex'), podUid: 'pod-uid-1', containerId: 'local-process://1' };
    const attestation = await get(`${t.url}${ATTESTATION_PATH}?${attestationQuery(request)}`);
    expect(attestation.status).toBe(200);
    const outcome = checkAnswer(request, attestation.body.toString());
    // A sealed core signs with its key; a core that cannot serve sealed has no key and says so.
    expect(outcome.kind).toBe(signed ? 'answered' : 'unsigned');
    if (outcome.kind !== 'answered' && outcome.kind !== 'unsigned') throw new Error(`the operator refused the answer: ${JSON.stringify(outcome)}`);
    expect(outcome.fields).toEqual(parsed.fields);
    expect(attest(outcome, { expectedCoreSha256: (expected ?? releaseSha)(), failureThreshold: 3, containerId: request.containerId }).reason).toBe(reason);
  } finally {
    await t.stop();
    scratch.remove();
  }
});
