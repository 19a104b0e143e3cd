// No key or byte in the wrong place: each attack of issue 13's section tried against the real service, on
// real sockets. A short key, a key in the query where query keys are off, secrets pasted into a refused
// query, a log reader testing key guesses against key ids, a deleted or half-written key file, a flood of
// wrong keys, and a failed core served from the OS generator without anyone asking.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { freeLoopbackPort } from '../support/free-port.js';
import { closeAgent, get, getJson, KEY, manifestFor, ROOT, scratchDir, startTestService, TEST_HOOKS_CORE, version, waitUntil } from './harness.js';

afterAll(() => closeAgent());

const MAIN = join(ROOT, 'dist', 'service', 'main.js');

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
});

interface Process {
  /** Resolves with the exit code once the process has exited. */
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** `node dist/service/main.js` as an operator runs it, its standard output and error captured. */
function runMain(env: Record<string, string>): Process {
  const child = spawn(process.execPath, [MAIN], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', API_HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}

/** The exit code, or 'still running' once `ms` have passed. */
async function exitWithin(run: Process, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'still running'>((resolve) => (timer = setTimeout(resolve, ms, 'still running')));
  try {
    return await Promise.race([run.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function listening(env: Record<string, string>): Promise<{ run: Process; url: string }> {
  const port = await freeLoopbackPort();
  const run = runMain({ ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('the service to listen', () => fetch(`${url}/ready`).then((r) => r.status, () => 0), (s) => s === 200, 20_000);
  } catch (err) {
    await run.stop();
    throw new Error(`${(err as Error).message}; stderr: ${run.stderr()}`);
  }
  return { run, url };
}

const logLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('keys shorter than 32 characters', () => {
  it.each([
    ['a short API_KEY', (_dir: string) => ({ API_KEY: 'short-secret-key' })],
    ['the old demo key without demo mode', (_dir: string) => ({ API_KEY: 'demo' })],
    [
      'a short key in API_KEYS_FILE',
      (dir: string) => {
        writeFileSync(join(dir, 'keys'), `${KEY}\nshort-secret-key\n`);
        return { API_KEYS_FILE: join(dir, 'keys') };
      },
    ],
  ])('%s: refused at start with one clear message and exit code 2, the key not quoted', async (_name, env) => {
    const scratch = scratchDir('short-key');
    const run = runMain(env(scratch.dir));
    try {
      // A service that took the key would listen on: it gets 10 s to exit, and is stopped in any case.
      expect(await exitWithin(run, 10_000)).toBe(2);
      const lines = run.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^r4 service: invalid configuration: .*is shorter than 32 characters \(generate one with: openssl rand -hex 16; short keys only with R4_DEMO=1\)$/);
      expect(run.stderr()).not.toContain('short-secret-key');
    } finally {
      await run.stop();
      scratch.remove();
    }
  });

  it('are served in demo mode only, which says so in its log and in /version (never attested: test/contracts/version-cross.test.ts)', async () => {
    const { run, url } = await listening({ API_KEY: 'demo', R4_DEMO: '1' });
    try {
      expect((await get(`${url}/random?n=8`, { 'x-api-key': 'demo' })).status).toBe(200);
      expect(await version(url)).toMatchObject({ demo: true, mode: 'sealed' });
    } finally {
      expect(await run.stop()).toBe(0);
    }
    expect(logLines(run.stdout())).toContainEqual(expect.objectContaining({ level: 40, demo: true, msg: expect.stringContaining('demo mode (R4_DEMO=1)') }));
  });
});

describe('query-string keys', () => {
  it('are refused with 401 and a detail that says why when ALLOW_QUERY_KEY=0; the header still works', async () => {
    const t = await startTestService({ ALLOW_QUERY_KEY: '0' });
    try {
      const refused = await getJson(`${t.url}/random?n=8&key=${KEY}`);
      expect(refused.status).toBe(401);
      expect(refused.json.detail).toBe('API keys in the query string are turned off here (ALLOW_QUERY_KEY=0): send the key in the x-api-key header');
      // A good header does not excuse a key in the URL: the URL has leaked it already.
      expect((await get(`${t.url}/random?n=8&key=${KEY}`, { 'x-api-key': KEY })).status).toBe(401);
      expect((await get(`${t.url}/random?n=8`, { 'x-api-key': KEY })).status).toBe(200);
      expect(t.logs.join('')).not.toContain(KEY);
    } finally {
      await t.stop();
    }
  });

  it('are taken by default, as the original r4 API documents', async () => {
    const t = await startTestService();
    try {
      expect((await get(`${t.url}/random?n=8&key=${KEY}`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});

describe('the log of the real service process', () => {
  it('names the parameters of a refused query and never a value, a key or anything that gives a key away', async () => {
    const scratch = scratchDir('log-keys');
    writeFileSync(join(scratch.dir, 'keys'), `${KEY}\n`);
    const { run, url } = await listening({ API_KEYS_FILE: join(scratch.dir, 'keys'), LOG_LEVEL: 'info' });
    const pasted = 'pasted-secret-0123456789abcdef0123456789';
    try {
      const asked = [
        [`/random?n=not-a-number-${pasted}&key=${KEY}`, {}, 400],
        [`/random?n=4&fmt=${pasted}`, { 'x-api-key': KEY }, 400],
        [`/random?n=4&token=${pasted}`, { 'x-api-key': KEY }, 400],
        [`/random?n=4&key=${pasted}`, {}, 401],
        [`/random?n=4&%6Bey=${KEY}&fmt=hex&fmt=raw`, {}, 400],
        [`/random?n=4&key=${KEY}`, {}, 200],
      ] as const;
      for (const [path, headers, status] of asked) expect((await get(`${url}${path}`, headers)).status).toBe(status);
    } finally {
      expect(await run.stop()).toBe(0);
      scratch.remove();
    }
    const out = run.stdout() + run.stderr();
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(pasted);
    expect(out).not.toContain('not-a-number');
    const access = logLines(run.stdout()).filter((line) => line.msg === 'request');
    expect(access.filter((line) => line.status === 400).map((line) => line.query_params)).toEqual([['n', 'key'], ['n', 'fmt'], ['n', 'token'], ['n', 'key', 'fmt']]);
    // The key id is an HMAC under a secret of this process: a log reader cannot test a guess against it.
    const ids = access.map((line) => line.key_id).filter((id): id is string => typeof id === 'string');
    expect(ids.length).toBeGreaterThan(0);
    const digest = createHash('sha256').update(KEY).digest('hex');
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      expect(digest.startsWith(id)).toBe(false);
      expect(digest).not.toContain(id);
    }
  });
});

describe('the key file', () => {
  const OTHER = 'other-key-0123456789abcdef0123456789';

  it('revokes every key when it disappears, and serves again when it is back', async () => {
    const scratch = scratchDir('keys-gone');
    const file = join(scratch.dir, 'api-keys');
    writeFileSync(file, `${KEY}\n`);
    const t = await startTestService({ API_KEY: '', API_KEYS_FILE: file });
    const status = (key: string) => async () => (await get(`${t.url}/random?n=4`, { 'x-api-key': key })).status;
    try {
      expect(await status(KEY)()).toBe(200);
      unlinkSync(file);
      await waitUntil('the keys to be revoked', status(KEY), (s) => s === 401, 5_000);
      expect(t.logs.join('')).toContain('every key is revoked');
      writeFileSync(`${file}.new`, `${OTHER}\n`);
      renameSync(`${file}.new`, file);
      await waitUntil('the new file to be applied', status(OTHER), (s) => s === 200, 5_000);
      expect(await status(KEY)()).toBe(401);
      expect(t.logs.join('')).not.toMatch(new RegExp(`${KEY}|${OTHER}`));
    } finally {
      await t.stop();
      scratch.remove();
    }
  });

  it('edited in place is applied only once two reads agree: no half-written state ever takes effect', async () => {
    const scratch = scratchDir('keys-in-place');
    const file = join(scratch.dir, 'api-keys');
    writeFileSync(file, `${KEY}\n`);
    const t = await startTestService({ API_KEY: '', API_KEYS_FILE: file });
    const status = (key: string) => async () => (await get(`${t.url}/random?n=4`, { 'x-api-key': key })).status;
    // A slow writer rewriting the file in place (same inode), each version in two halves 10 ms apart, and
    // each naming a key of its own and not the one in force. Applied, any version would revoke KEY.
    const stormKey = (i: number) => `storm-${String(i).padStart(6, '0')}-0123456789abcdef0123456789`;
    let writes = 0;
    let storming = true;
    const writeOne = async () => {
      const text = `${stormKey(writes)}\n`;
      const fd = openSync(file, 'w');
      try {
        writeSync(fd, text.slice(0, 20));
        await new Promise((resolve) => setTimeout(resolve, 10));
        writeSync(fd, text.slice(20));
      } finally {
        closeSync(fd);
      }
      writes += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const storm = (async () => {
      const end = Date.now() + 3_000;
      while (storming && Date.now() < end && writes < 1_000) await writeOne();
    })();
    try {
      const seen: number[] = [];
      const until = Date.now() + 2_500;
      while (Date.now() < until) {
        seen.push(await status(KEY)());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(new Set(seen)).toEqual(new Set([200]));
      expect(await status(stormKey(0))()).toBe(401);
      expect(t.logs.join('')).toContain('the file changed while it was read');
      expect(t.logs.join('')).not.toContain('API keys reloaded');
      storming = false;
      await storm;
      expect(writes).toBeGreaterThan(20);
      // Once the writer is done, the finished file is applied.
      writeFileSync(file, `${KEY}\n${OTHER}\n`);
      await waitUntil('the finished file to be applied', status(OTHER), (s) => s === 200, 5_000);
      expect(await status(KEY)()).toBe(200);
    } finally {
      storming = false;
      await storm;
      await t.stop();
      scratch.remove();
    }
  });
});

/** GET from a given loopback source address, so one test can be several clients. */
function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, localAddress, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }));
    });
    request.on('error', reject);
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${url} timed out`)));
  });
}

describe('wrong keys', () => {
  it('from one address are limited apart (429, Retry-After, a detail) while another client keeps being served', async () => {
    // Two a second, so that a loaded machine's slowness cannot refill the budget within the test's steps.
    const t = await startTestService({ RATE_LIMIT_IP_AUTH_FAILURES_PER_S: '2' });
    try {
      expect((await version(t.url)).limits).toMatchObject({ rate_limit: { auth_failures_per_s_per_ip: 2 } });
      const guess = (i: number) => getFrom('127.0.0.2', `${t.url}/random?n=4`, { 'x-api-key': `guess-${i}-0123456789abcdef0123456789` });
      const started = Date.now();
      const first = [await guess(0), await guess(1), await guess(2)];
      expect(first.map((a) => a.status)).toEqual([401, 401, 429]);
      // The throttled address gets no answer about its next try, right or wrong, until it has waited.
      expect((await getFrom('127.0.0.2', `${t.url}/random?n=4`, { 'x-api-key': KEY })).status).toBe(429);
      const limited = first[2];
      expect(Number(limited?.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(limited?.body ?? '{}')).toEqual({ detail: 'too many requests with a missing or wrong API key from this address: 2 per second per client IP' });

      const flood: number[] = [];
      for (let i = 3; i < 40; i++) flood.push((await guess(i)).status);
      const elapsedS = (Date.now() - started) / 1000;
      expect(new Set(flood)).toEqual(new Set(flood.includes(401) ? [401, 429] : [429]));
      // Only what two a second allows got as far as the key check.
      expect(flood.filter((s) => s === 401).length).toBeLessThanOrEqual(Math.ceil(elapsedS * 2) + 1);
      // Another client, with its key, is served throughout.
      for (let i = 0; i < 20; i++) expect((await getFrom('127.0.0.1', `${t.url}/random?n=4`, { 'x-api-key': KEY })).status).toBe(200);
      expect((await get(`${t.url}/metrics`)).body.toString()).toMatch(/^r4_rate_limited_total\{limit="ip_auth_failures"\} \d+$/m);
    } finally {
      await t.stop();
    }
  });

  it('are limited to 10 a second per address by default', async () => {
    const t = await startTestService();
    try {
      expect((await version(t.url)).limits).toMatchObject({ rate_limit: { auth_failures_per_s_per_ip: 10 } });
    } finally {
      await t.stop();
    }
  });
});

describe('STRICT_FIPS', () => {
  it('is on unless asked otherwise: a core that fails its self-test blocks the service, and /version says strict_fips', async () => {
    const scratch = scratchDir('strict-default');
    const t = await startTestService({ R4_CORE_PATH: TEST_HOOKS_CORE, R4_MANIFEST_PATH: manifestFor(TEST_HOOKS_CORE, scratch.dir), R4_TEST_FAULT: 'kat-corrupt' });
    try {
      expect(await version(t.url)).toMatchObject({ strict_fips: true, selftest: 'fail', mode: 'blocked', mode_reason: expect.stringContaining('STRICT_FIPS=1') });
      const refused = await get(`${t.url}/random?n=8`, { 'x-api-key': KEY });
      expect(refused.status).toBe(503);
      expect(refused.headers['x-r4-mode']).toBe('blocked');
    } finally {
      await t.stop();
      scratch.remove();
    }
  });

  it('=0 is an open opt-in: the fallback is reported in /version and on every answer', async () => {
    const scratch = scratchDir('strict-off');
    const t = await startTestService({ R4_CORE_PATH: TEST_HOOKS_CORE, R4_MANIFEST_PATH: manifestFor(TEST_HOOKS_CORE, scratch.dir), R4_TEST_FAULT: 'kat-corrupt', STRICT_FIPS: '0' });
    try {
      expect(await version(t.url)).toMatchObject({ strict_fips: false, mode: 'fallback', mode_reason: expect.stringContaining('STRICT_FIPS=0') });
      const served = await get(`${t.url}/random?n=8`, { 'x-api-key': KEY });
      expect(served.status).toBe(200);
      expect(served.headers['x-r4-mode']).toBe('fallback');
    } finally {
      await t.stop();
      scratch.remove();
    }
  });
});
