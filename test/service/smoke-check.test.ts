// The smoke check the Helm chart's `helm test` pod runs (dist/service/smokeCheck.js), against a real
// service: it passes on a sealed service and fails, saying why, on a wrong key, a fallback service and
// a service that is not there. Over HTTPS it verifies the certificate with R4_CA_FILE (as the chart's test
// pod does with the appliance's CA bundle) and refuses a service whose certificate another CA signed.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '../support/free-port.js';
import { createTestCa, issueServerCertificate } from '../support/test-certificates.js';
import { KEY, ROOT, scratchDir, startTestService } from './harness.js';

const run = promisify(execFile);
const script = join(ROOT, 'dist', 'service', 'smokeCheck.js');

async function smoke(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('smoke check', () => {
  test('passes against a sealed service, with the key from a file, and never prints the bytes', async () => {
    const t = await startTestService();
    const scratch = scratchDir('smoke');
    try {
      const keys = join(scratch.dir, 'api-keys');
      writeFileSync(keys, `\n${KEY}\nsecond-key\n`);
      const result = await smoke({ R4_URL: t.url, R4_API_KEY_FILE: keys });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('ok   GET /health -> 200 "ok"');
      expect(result.stdout).toContain('x-r4-mode: sealed');
      expect(result.stdout).toContain('r4 smoke check passed');
      expect(result.stdout).not.toMatch(/[0-9a-f]{64}/);
    } finally {
      scratch.remove();
      await t.stop();
    }
  });

  test('fails on a wrong key and on a service in fallback mode', async () => {
    const sealed = await startTestService();
    try {
      const wrongKey = await smoke({ R4_URL: sealed.url, R4_API_KEY: 'not-the-key' });
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toContain('r4 smoke check failed: GET /random answered 401 {"detail":"invalid api key"}');
    } finally {
      await sealed.stop();
    }
    // A core that is not the manifest's, with the fallback allowed: served, but not sealed.
    const fallback = await startTestService({ R4_CORE_PATH: '/bin/true', STRICT_FIPS: '0' });
    try {
      const result = await smoke({ R4_URL: fallback.url, R4_API_KEY: KEY });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/r4 smoke check failed: GET \/random (answered 503|was answered in mode fallback)/);
    } finally {
      await fallback.stop();
    }
  });

  test('over HTTPS, passes with the CA that signed the certificate and fails with any other', async () => {
    const scratch = scratchDir('smoke-tls');
    try {
      const [ca, other] = await Promise.all([createTestCa(scratch.dir), createTestCa(scratch.dir, 'other-ca')]);
      const server = await issueServerCertificate(ca, scratch.dir, 'server');
      writeFileSync(join(scratch.dir, 'chain.pem'), server.chain);
      writeFileSync(join(scratch.dir, 'key.pem'), server.key);
      const t = await startTestService({ TLS_CERT_FILE: join(scratch.dir, 'chain.pem'), TLS_KEY_FILE: join(scratch.dir, 'key.pem') });
      try {
        expect(t.url).toMatch(/^https:/);
        const trusted = await smoke({ R4_URL: t.url, R4_API_KEY: KEY, R4_CA_FILE: ca.certFile });
        expect(trusted).toMatchObject({ code: 0, stderr: '' });
        expect(trusted.stdout).toContain('(TLS, certificate verified)');
        const foreign = await smoke({ R4_URL: t.url, R4_API_KEY: KEY, R4_CA_FILE: other.certFile, R4_WAIT_SECONDS: '0' });
        expect(foreign.code).toBe(1);
        expect(foreign.stderr).toMatch(/r4 smoke check failed: GET https:\/\/127\.0\.0\.1:\d+\/health: .*(certificate|issuer)/);
      } finally {
        await t.stop();
      }
    } finally {
      scratch.remove();
    }
  });

  test('fails with the reason when nothing answers, or when it is not told where to look', async () => {
    const port = await freeLoopbackPort(); // nothing listens there
    const unreachable = await smoke({ R4_URL: `http://127.0.0.1:${port}`, R4_API_KEY: KEY, R4_WAIT_SECONDS: '0' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`r4 smoke check failed: GET http://127.0.0.1:${port}/health:`);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    const unset = await smoke({ R4_API_KEY: KEY });
    expect(unset).toMatchObject({ code: 1, stderr: expect.stringContaining('set R4_URL') });
    const badWait = await smoke({ R4_URL: 'http://127.0.0.1:1', R4_API_KEY: KEY, R4_WAIT_SECONDS: 'soon' });
    expect(badWait).toMatchObject({ code: 1, stderr: expect.stringContaining('R4_WAIT_SECONDS must be a whole number') });
  });
});
