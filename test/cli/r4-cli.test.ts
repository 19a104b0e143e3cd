// `r4`, the command line, run as a user runs it (bin/r4, a child process): it verifies the published vectors
// offline with no network at all, rejects every one-bit alteration of them naming the check that caught it,
// refuses a bad command line with exit 2, and calls a real service over HTTPS whose answers it then
// verifies offline against the service's own /vrf/keys.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { negativeVectors, type Item, type NegativeEntry } from '../../scripts/vrf-negative.js';
import { vrfVectors } from '../../scripts/vrf-vectors.js';
import { createTestCa, issueServerCertificate } from '../support/test-certificates.js';
import { API_KEY, coreKeys, ROOT, startServiceProcess, writeKeyset, type ServiceProcess } from '../support/vrf-service.js';

const R4 = join(ROOT, 'bin', 'r4');
const VECTORS = join(ROOT, 'test', 'vectors', 'vrf');
const TRUST = join(VECTORS, 'trust.json');
const REGENERATE = 'regenerate them: npm run build:ts && sh scripts/node/run.sh node dist/scripts/vrf-vectors.js';

/** `unshare --net` gives the command a network namespace with nothing in it, not even a loopback that is up. */
const OFFLINE = spawnSync('unshare', ['--net', 'true']).status === 0;
if (!OFFLINE) process.stderr.write('r4 cli test: `unshare --net` is unavailable here (it needs root): the offline checks are skipped\n');
const offlineIt = OFFLINE ? it : it.skip;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its exit (bounded); never throws on a non-zero exit, whose code the tests check. */
function run(argv: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** bin/r4, with no network when `offline`. */
const r4 = (args: string[], options: { offline?: boolean; input?: string; env?: NodeJS.ProcessEnv } = {}) =>
  run(options.offline ? ['unshare', '--net', R4, ...args] : [R4, ...args], options);

/** What r4 itself said on stderr (bin/r4 may first recompile a changed checkout, and the compiler says things too). */
const said = (run: Run) => run.stderr.split('\n').filter((line) => line.startsWith('r4: ')).map((line) => `${line}\n`).join('');

const readJson = <T>(name: string) => JSON.parse(readFileSync(join(VECTORS, name), 'utf8')) as T;
const answers = readJson<Item[]>('answers.json');
const pulses = readJson<Item[]>('pulses.json');
const negative = readJson<NegativeEntry[]>('negative.json');
const trust = readJson<{ keys: { key_id: string; status: string }[] }>('trust.json');

let scratch: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'r4-cli-test-'));
  // Compiles the CLI first if its sources changed, so the timed runs below do not.
  expect((await r4(['help'])).code).toBe(0);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the published vectors (test/vectors/vrf)', () => {
  it('cover two keys, A retired and B current, alphas of 1, 32 and 1024 bytes with each, and five pulses across the key change', () => {
    const [a, b] = trust.keys;
    expect([a?.status, b?.status]).toEqual(['retired', 'current']);
    expect(answers.map((x) => [x.key_id, (x.alpha as string).length / 2])).toEqual([
      [a?.key_id, 1], [a?.key_id, 32], [a?.key_id, 1024],
      [b?.key_id, 1], [b?.key_id, 32], [b?.key_id, 1024],
    ]);
    expect(pulses.map((p) => [p.round, p.key_id])).toEqual([[1, a?.key_id], [2, a?.key_id], [3, a?.key_id], [4, b?.key_id], [5, b?.key_id]]);
  });

  offlineIt('verify offline, from a file, with no network: old answers against the retired key, and the chain across the rotation', async () => {
    const fromAnswers = await r4(['verify', join(VECTORS, 'answers.json'), '--trust', TRUST], { offline: true });
    expect(fromAnswers.code).toBe(0);
    expect(fromAnswers.stdout).toMatch(/^verified: 6 items, every check passed$/m);
    expect(fromAnswers.stdout).not.toMatch(/FAIL/);
    const fromPulses = await r4(['verify', join(VECTORS, 'pulses.json'), '--trust', TRUST], { offline: true });
    expect(fromPulses.code).toBe(0);
    expect(fromPulses.stdout).toMatch(/^ok {3}rounds 3→4: chained: /m);
    expect(fromPulses.stdout).toMatch(/^ok {3}rounds 3→4: precommitted: /m);
    expect(fromPulses.stdout).toMatch(/^verified: 5 items, every check passed$/m);
  });

  it('verify from stdin (-), one answer or JSON lines', async () => {
    const one = await r4(['verify', '-', '--trust', TRUST], { input: JSON.stringify(answers[0]) });
    expect(one).toMatchObject({ code: 0 });
    expect(one.stdout).toMatch(/^verified: 1 item, every check passed$/m);
    const lines = await r4(['verify', '-', '--trust', TRUST], { input: [...answers, ...pulses].map((x) => JSON.stringify(x)).join('\n') });
    expect(lines).toMatchObject({ code: 0 });
    expect(lines.stdout).toMatch(/^verified: 11 items, every check passed$/m);
  });

  it('are what the service\'s code makes today (pulses and keys byte for byte; answers but for their hedged signatures)', () => {
    const today = vrfVectors();
    const unsigned = (items: Item[]) => items.map(({ signature: _signature, ...rest }) => rest);
    const same = JSON.stringify(today.trust) === JSON.stringify(trust) && JSON.stringify(today.pulses) === JSON.stringify(pulses) && JSON.stringify(unsigned(today.answers)) === JSON.stringify(unsigned(answers));
    if (!same) throw new Error(`test/vectors/vrf is stale: the service makes other answers, pulses or keys today; if that change is meant, ${REGENERATE}`);
  });

  it('negative.json is exactly what scripts/vrf-negative.ts derives from answers.json and pulses.json', () => {
    const derived = negativeVectors(answers, pulses);
    if (JSON.stringify(derived) !== JSON.stringify(negative)) throw new Error(`test/vectors/vrf/negative.json is stale: ${REGENERATE}`);
    // Every field of every item is altered, at least once.
    for (const [kind, items] of [['answer', answers], ['pulse', pulses]] as const) {
      items.forEach((item, index) => {
        const altered = new Set(negative.filter((e) => e.item === `${kind} ${index}`).map((e) => e.field));
        expect([...altered].sort()).toEqual(Object.keys(item).sort());
      });
    }
  });

  (OFFLINE ? it : it.skip)(
    'every one-bit alteration is rejected (exit 1), and the FAIL lines name the check that catches it',
    async () => {
      const entryFile = (i: number) => join(scratch, `negative-${i}.json`);
      negative.forEach((entry, i) => writeFileSync(entryFile(i), JSON.stringify(entry.value)));
      const misses: string[] = [];
      let next = 0;
      // Four at a time: 261 short processes, bounded by the list.
      const worker = async () => {
        while (next < negative.length) {
          const i = next++;
          const entry = negative[i]!;
          const run = await r4(['verify', entryFile(i), '--trust', TRUST], { offline: true });
          const failed = [...run.stdout.matchAll(/^FAIL (?:.*?: )?(\w+): /gm)].map((m) => m[1]);
          if (run.code !== 1 || !failed.includes(entry.rejected_by)) {
            misses.push(`${entry.item} ${entry.field} (${entry.alteration}): exit ${run.code}, failed [${failed.join(', ')}], expected ${entry.rejected_by}\n${run.stdout}${run.stderr}`);
          }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      expect(misses).toEqual([]);
      expect(negative.length).toBeGreaterThan(200);
    },
    240_000,
  );
});

describe('a command line r4 cannot use: exit 2 and a clear message', () => {
  const answersFile = join(VECTORS, 'answers.json');
  it.each([
    ['no file', ['verify', '--trust', TRUST], /^r4: r4 verify takes one file \(or - for stdin\)$/],
    ['no --trust', ['verify', answersFile], /^r4: r4 verify needs --trust <file>/],
    ['an unreadable file', ['verify', '/nonexistent/answer.json', '--trust', TRUST], /^r4: cannot read \/nonexistent\/answer\.json: ENOENT$/],
    ['an unknown command', ['reroll'], /^r4: unknown command "reroll"$/],
    ['an unknown option', ['verify', answersFile, '--trust', TRUST, '--lenient'], /^r4: .*--lenient/],
  ])('%s', async (_what, args, message) => {
    const run = await r4(args);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(said(run).split('\n')[0]).toMatch(message);
  });

  it('a trust file that is not JSON, or whose key_id does not match its keys', async () => {
    const notJson = join(scratch, 'not-json.json');
    writeFileSync(notJson, 'keys: [r4k-...]\n');
    const first = await r4(['verify', join(VECTORS, 'answers.json'), '--trust', notJson]);
    expect(first).toMatchObject({ code: 2, stdout: '' });
    expect(said(first)).toBe(`r4: the trust file ${notJson} is not JSON\n`);

    const document = readJson<{ keys: Record<string, unknown>[] }>('trust.json');
    const [a, b] = document.keys;
    // B's name on A's keys: an attacker's trust file that would make A's answers pass as B's.
    const swapped = join(scratch, 'swapped.json');
    writeFileSync(swapped, JSON.stringify({ ...document, keys: [{ ...a, key_id: b?.key_id }, b] }));
    const second = await r4(['verify', join(VECTORS, 'answers.json'), '--trust', swapped]);
    expect(second).toMatchObject({ code: 2, stdout: '' });
    expect(said(second)).toBe(`r4: the trust file: key ${b?.key_id}: key_id does not match its public keys\n`);
  });
});

it('npx r4 help works from the checkout (npx finds the package\'s own bin)', async () => {
  const help = await run(['sh', join(ROOT, 'scripts', 'node', 'run.sh'), '--quiet', 'npx', '--no-install', 'r4', 'help'], { cwd: ROOT });
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^usage: r4 <command> \[options\]/);
  expect(help.stdout).toMatch(/r4 verify <file\|-> --trust <file>/);
});

describe('r4 against a real service over HTTPS (R4_URL, R4_API_KEY, R4_CA_FILE)', () => {
  let service: ServiceProcess;
  let env: NodeJS.ProcessEnv;
  const file = (name: string) => join(scratch, name);

  beforeAll(async () => {
    const ca = await createTestCa(scratch);
    const server = await issueServerCertificate(ca, scratch, 'service');
    writeFileSync(file('tls.crt'), server.chain);
    writeFileSync(file('tls.key'), server.key, { mode: 0o600 });
    writeKeyset(file('keyset.json'), await coreKeys(new Date(Date.now() - 60_000)));
    service = await startServiceProcess(scratch, 'service', {
      TLS_CERT_FILE: file('tls.crt'),
      TLS_KEY_FILE: file('tls.key'),
      R4_VRF_KEYSET_FILE: file('keyset.json'),
      R4_APPLIANCE: 'cli-test/r4',
      R4_VRF_BEACON_PERIOD_S: '1',
      VRF_WORKER_THREADS: '1',
    }, ca.pem);
    env = { ...process.env, R4_URL: service.url, R4_API_KEY: API_KEY, R4_CA_FILE: ca.certFile };
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
  });

  it('r4 keys, r4 vrf --alpha and r4 beacon latest: each verified offline against what r4 keys printed', async () => {
    const keys = await r4(['keys'], { env });
    expect(keys.code).toBe(0);
    writeFileSync(file('keys.json'), keys.stdout);
    expect(JSON.parse(keys.stdout)).toMatchObject({ appliance: 'cli-test/r4', keys: [{ status: 'current' }] });

    const answer = await r4(['vrf', '--alpha', '00ff10'], { env });
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.stdout)).toMatchObject({ alpha: '00ff10', verified: true, appliance: 'cli-test/r4' });
    writeFileSync(file('answer.json'), answer.stdout);

    const pulse = await r4(['beacon', 'latest'], { env });
    expect(pulse.code).toBe(0);
    writeFileSync(file('pulse.json'), pulse.stdout);

    const verify = async (name: string) => r4(['verify', file(name), '--trust', file('keys.json')], { offline: OFFLINE });
    for (const name of ['answer.json', 'pulse.json']) {
      const run = await verify(name);
      expect({ name, code: run.code }).toEqual({ name, code: 0 });
      expect(run.stdout).toMatch(/^verified: 1 item, every check passed$/m);
    }
    // Under `unshare --net` the service is out of reach: the verifications above had no network indeed.
    if (OFFLINE) expect((await r4(['keys'], { env, offline: true })).code).toBe(1);
    // Against another appliance's keys (the vectors'), the same answer is not verified.
    const foreign = await r4(['verify', file('answer.json'), '--trust', TRUST], { offline: OFFLINE });
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toMatch(/^FAIL key: key r4k-[0-9a-f]{24} is not in the trust file$/m);
  });

  it('r4 random -n 32 prints 32 bytes of hex', async () => {
    const run = await r4(['random', '-n', '32'], { env });
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('a wrong API key: exit 1 with the service\'s own detail', async () => {
    const run = await r4(['vrf', '--alpha', '00'], { env: { ...env, R4_API_KEY: 'not-the-key-0123456789abcdef0123456789' } });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(said(run)).toMatch(/^r4: the service answered 401: \S.*\n$/);
  });

  it('without the CA it refuses the service\'s certificate (exit 1), and a bad alpha gets the service\'s 400', async () => {
    const { R4_CA_FILE: _ca, ...noCa } = env;
    const untrusted = await r4(['keys'], { env: noCa });
    expect(untrusted).toMatchObject({ code: 1, stdout: '' });
    expect(said(untrusted)).toMatch(/^r4: .*(certificate|self[- ]signed)/i);
    const bad = await r4(['vrf', '--alpha', 'xyz'], { env });
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(said(bad)).toBe('r4: the service answered 400: alpha must be hex (0-9, a-f)\n');
  });
});
