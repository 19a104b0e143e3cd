// The service and the operator agree on /version: a real service, in every mode it can be in, answers, and
// the operator's parser and verdict read that very answer as they should.
import { join } from 'node:path';
import { parseVersionDocument } from '../../contracts/version-document.js';
import { attest } from '../../operator/attestation/verdict.js';
import { get, manifestFor, RELEASE_CORE, RELEASE_MANIFEST, scratchDir, sha256File, startTestService, TEST_HOOKS_CORE, closeAgent } from '../service/harness.js';

afterAll(() => closeAgent());

const releaseSha = () => sha256File(RELEASE_CORE);

test.each([
  { mode: 'sealed', env: () => ({}), expect: { integrity: 'verified', selftest: 'pass', mode: 'sealed' }, reason: 'Attested' },
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
])('$mode: the operator parses the real answer and judges it $reason', async ({ env, expect: fields, reason, expected }) => {
  const scratch = scratchDir('cross');
  const t = await startTestService(env(scratch.dir));
  try {
    const answer = await get(`${t.url}/version`);
    expect(answer.status).toBe(200);
    const body = answer.body.toString();
    expect(JSON.parse(body)).toMatchObject(fields);
    const parsed = parseVersionDocument(body);
    if (!parsed.ok) throw new Error(`the operator's parser refused the service's answer: ${parsed.reason}`);
    expect(attest({ kind: 'answered', fields: parsed.fields }, (expected ?? releaseSha)(), 3).reason).toBe(reason);
  } finally {
    await t.stop();
    scratch.remove();
  }
});
