// `npm run release` and `npm run verify-release` (and the POSIX verify-release.sh) as a user runs them, on a
// real git commit of this tree, a real npm ci, the real core build, a real gpg key made for the test, and
// the SPDX project's own validator. The release tool must be compiled first (npm run build:ts).
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../support/repo-paths.js';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A release holds some 12,000 files; unpacking and deleting them on this disk takes seconds each time, on
// tmpfs a fraction of that. Everything the test and its tools write goes there when there is one.
const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

function exec(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const env = { ...(options.env ?? process.env), TMPDIR: scratch };
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const outcome = await exec(argv, options);
  if (outcome.code !== 0) throw new Error(`${argv.join(' ')} exited ${outcome.code}:\n${outcome.stdout}${outcome.stderr}`);
  return outcome.stdout;
}

const releaseMain = join(repoRoot, 'dist/scripts/release/main.js');
const verifyMain = join(repoRoot, 'dist/scripts/release/verify-main.js');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let gnupg: string; // holds the signing key (a throwaway)
let publicKey: string;
let otherKey: string; // a second throwaway key's public half: not the signer
let releaseA: string;
let releaseB: string;
let repoA: string;
let seconds: number;
let releaseLog: string; // release A's stderr
// Each verify-release unpacks and hashes some 12,000 files; a test runs up to eight.
const VERIFY_TIMEOUT_MS = 420_000;

// The same tree, as one commit in two clones at different paths: the release must not depend on either.
async function makeRepositories(): Promise<void> {
  repoA = join(work, 'one/r4');
  mkdirSync(repoA, { recursive: true });
  await ok(['sh', '-c', 'git ls-files -z -c -o --exclude-standard | xargs -0 -r sh -c \'for f; do [ -e "$f" ] && printf "%s\\0" "$f"; done\' _ | tar -c --null -T - | tar -x -C "$1"', 'copy', repoA], { cwd: repoRoot });
  const env = { ...process.env, GIT_AUTHOR_NAME: 'r4 test', GIT_AUTHOR_EMAIL: 'test@r4.invalid', GIT_COMMITTER_NAME: 'r4 test', GIT_COMMITTER_EMAIL: 'test@r4.invalid', GIT_AUTHOR_DATE: '2026-11-30T12:00:00Z', GIT_COMMITTER_DATE: '2026-11-30T12:00:00Z' };
  await ok(['sh', '-c', 'git init -q -b main && git add -A && git commit -q -m release-test'], { cwd: repoA, env });
}

async function makeKey(home: string, name: string): Promise<string> {
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  await ok(['gpg', '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', `${name} <${name}@r4.invalid>`, 'ed25519', 'sign', 'never'], { env });
  const path = join(work, `${name}.asc`);
  writeFileSync(path, await ok(['gpg', '--batch', '--armor', '--export'], { env }));
  return path;
}

function release(cwd: string, out: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return exec([process.execPath, releaseMain, '--out', out, ...args], { cwd, env, timeoutMs: 240_000 });
}

// Generous: each unpacks and hashes the whole release, and two run at once.
const VERIFY_RUN_MS = 200_000;

function verifyNode(dir: string, args: string[]): Promise<Outcome> {
  return exec([process.execPath, verifyMain, dir, ...args], { timeoutMs: VERIFY_RUN_MS });
}

function verifyPosix(dir: string, args: string[]): Promise<Outcome> {
  return exec(['sh', join(repoRoot, 'scripts/release/verify-release.sh'), dir, ...args], { timeoutMs: VERIFY_RUN_MS });
}

/** A GnuPG home with no key at all. */
function emptyGnupg(): string {
  const home = join(work, 'gnupg-empty');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}

/** A copy of release A to tamper with. */
function copyOf(name: string): string {
  const dir = join(work, 'tampered', name);
  cpSync(releaseA, dir, { recursive: true });
  return dir;
}

/** Unpacks the tarball of dir, lets change() edit the tree, and packs it again (as an attacker would). */
async function repack(dir: string, change: (top: string) => void): Promise<void> {
  const tree = mkdtempSync(join(work, 'repack-'));
  await ok(['tar', '-x', '-z', '-C', tree, '-f', join(dir, 're4_release.tar.gz')]);
  change(join(tree, `r4-${version}`));
  await ok(['sh', '-c', 'tar -C "$1" -c "r4-$2" | gzip -n > "$3"', 'repack', tree, version, join(dir, 're4_release.tar.gz')]);
}

function failedChecks(outcome: Outcome): string[] {
  return [...outcome.stdout.matchAll(/^FAIL ([a-z-]+):/gm)].map((match) => match[1] as string);
}

/** Both verifiers give the same verdict: exit 1 and these failed checks, by name. */
async function expectFailures(dir: string, args: string[], checks: string[]): Promise<void> {
  const outcomes = await Promise.all([verifyNode(dir, args), verifyPosix(dir, args)]);
  for (const outcome of outcomes) expect({ code: outcome.code, failed: failedChecks(outcome) }).toEqual({ code: 1, failed: checks });
}

beforeAll(async () => {
  work = mkdtempSync(join(scratch, 'r4-release-test-'));
  gnupg = join(work, 'gnupg');
  publicKey = await makeKey(gnupg, 'signer');
  otherKey = await makeKey(join(work, 'gnupg-other'), 'other');
  await makeRepositories();
  const repoB = join(work, 'two/elsewhere/r4');
  await ok(['git', 'clone', '-q', repoA, repoB]);

  releaseA = join(work, 'out-a');
  releaseB = join(work, 'out-b');
  const started = Date.now();
  // Both at once (the test's time), the second started a second later, in another time zone. The second
  // run is --unsigned, with no key at hand: the tarball and the SBOM are the same either way.
  const a = release(repoA, releaseA, [], { ...process.env, GNUPGHOME: gnupg, TZ: 'UTC' });
  await sleep(1100);
  const b = release(repoB, releaseB, ['--unsigned'], { ...process.env, GNUPGHOME: emptyGnupg(), TZ: 'Pacific/Kiritimati' });
  const [doneA, doneB] = await Promise.all([a, b]);
  seconds = (Date.now() - started) / 1000;
  if (doneA.code !== 0) throw new Error(`release A failed:\n${doneA.stderr}`);
  if (doneB.code !== 0) throw new Error(`release B failed:\n${doneB.stderr}`);
  process.stderr.write(doneA.stderr);
  releaseLog = doneA.stderr;
  releaseA = join(releaseA, version);
  releaseB = join(releaseB, version);
}, 600_000);

afterAll(async () => {
  for (const home of [gnupg, join(work, 'gnupg-other'), join(work, 'gnupg-empty')]) await exec(['gpgconf', '--homedir', home, '--kill', 'all']);
  rmSync(work, { recursive: true, force: true });
});

test('two releases of one commit, from different paths, times and time zones, are byte-identical', () => {
  for (const file of ['re4_release.tar.gz', 'SBOM.spdx.json', 're4_release.sha256']) {
    expect(readFileSync(join(releaseB, file)).equals(readFileSync(join(releaseA, file)))).toBe(true);
  }
  // Whether the core has its committed standard proof run, the release says (proof.test.ts: each case).
  expect(releaseLog).toMatch(/^release: proof: /m);
  const size = readFileSync(join(releaseA, 're4_release.tar.gz')).length;
  const sbom = JSON.parse(readFileSync(join(releaseA, 'SBOM.spdx.json'), 'utf8')) as { packages: unknown[]; files: unknown[] };
  process.stderr.write(`release: ${seconds.toFixed(1)} s, tarball ${size} bytes, SBOM ${sbom.packages.length} packages, ${sbom.files.length} files\n`);
}, VERIFY_TIMEOUT_MS);

test('the SBOM validates with pyspdxtools and names the core, its static OpenSSL, Node and the npm packages', async () => {
  const pyspdxtools = (await ok(['sh', join(repoRoot, 'scripts/release/spdx-tools.sh')], { timeoutMs: 180_000 })).trim();
  await ok([pyspdxtools, '--infile', join(releaseA, 'SBOM.spdx.json')]);
  const sbom = JSON.parse(readFileSync(join(releaseA, 'SBOM.spdx.json'), 'utf8')) as {
    packages: { SPDXID: string; name: string; versionInfo: string; checksums?: { algorithm: string; checksumValue: string }[]; externalRefs?: { referenceLocator: string }[] }[];
    relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
    creationInfo: { created: string };
  };
  const manifest = JSON.parse(await ok(['sh', '-c', 'tar -x -z -O -f "$1" "$2"', 'x', join(releaseA, 're4_release.tar.gz'), `r4-${version}/selftest/manifest.json`])) as { core_sha256: string };
  const core = sbom.packages.find((pkg) => pkg.name === 're4_dump');
  expect(core?.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: manifest.core_sha256 }]);
  const openssl = sbom.packages.find((pkg) => pkg.name === 'openssl');
  expect(openssl?.versionInfo).toMatch(/^3\.\d+\.\d+$/);
  expect(sbom.relationships).toContainEqual({ spdxElementId: core?.SPDXID, relationshipType: 'STATIC_LINK', relatedSpdxElement: openssl?.SPDXID });
  expect(sbom.packages.find((pkg) => pkg.name === 'node')?.versionInfo).toBe(/^NODE_VERSION=(.*)$/m.exec(readFileSync(join(repoRoot, 'scripts/node/versions.env'), 'utf8'))?.[1]);
  const fastify = sbom.packages.find((pkg) => pkg.name === 'fastify');
  expect(fastify?.externalRefs?.[0]?.referenceLocator).toMatch(/^pkg:npm\/fastify@5\./);
  expect(fastify?.checksums?.[0]).toMatchObject({ algorithm: 'SHA512', checksumValue: expect.stringMatching(/^[0-9a-f]{128}$/) });
  expect(sbom.creationInfo.created).toBe('2026-11-30T12:00:00Z');
}, 240_000);

test('a good release passes every check of both verifiers', async () => {
  for (const outcome of await Promise.all([verifyNode(releaseA, ['--key', publicKey]), verifyPosix(releaseA, ['--key', publicKey])])) {
    expect(outcome.stdout).toMatch(/^ok {3}signature: good signature by [0-9A-F]{40}$/m);
    expect({ code: outcome.code, failed: failedChecks(outcome), lines: outcome.stdout.split('\n').filter((line) => line.startsWith('ok')).length }).toEqual({ code: 0, failed: [], lines: 5 });
  }
}, VERIFY_TIMEOUT_MS);

test('one byte changed in the tarball: signature and checksums fail', async () => {
  const dir = copyOf('tarball-byte');
  const tarball = readFileSync(join(dir, 're4_release.tar.gz'));
  const middle = Math.floor(tarball.length / 2);
  tarball[middle] = (tarball[middle] as number) ^ 0x01;
  writeFileSync(join(dir, 're4_release.tar.gz'), tarball);
  const outcome = await verifyNode(dir, ['--key', publicKey]);
  expect(failedChecks(outcome).slice(0, 2)).toEqual(['signature', 'checksums']);
  expect(outcome.stdout).toMatch(/FAIL signature: BAD signature/);
  const posix = await verifyPosix(dir, ['--key', publicKey]);
  expect(failedChecks(posix).slice(0, 2)).toEqual(['signature', 'checksums']);
}, VERIFY_TIMEOUT_MS);

test('one byte changed in the signature: signature fails', async () => {
  const dir = copyOf('signature-byte');
  const armour = readFileSync(join(dir, 're4_release.tar.gz.asc'), 'utf8').split('\n');
  // A character of the base64 body (not the header or the CRC line): the signature no longer checks out.
  const line = armour.findIndex((text, index) => index > 1 && /^[A-Za-z0-9+/]{20,}/.test(text));
  const text = armour[line] as string;
  armour[line] = `${text.slice(0, 10)}${text[10] === 'A' ? 'B' : 'A'}${text.slice(11)}`;
  writeFileSync(join(dir, 're4_release.tar.gz.asc'), armour.join('\n'));
  await expectFailures(dir, ['--key', publicKey], ['signature']);
}, VERIFY_TIMEOUT_MS);

test('an SBOM file entry with another hash: sbom-copy fails (the SBOM beside the tarball is not the signed one)', async () => {
  const dir = copyOf('sbom-hash');
  const text = readFileSync(join(dir, 'SBOM.spdx.json'), 'utf8');
  const hash = /"algorithm": "SHA256",\n\s*"checksumValue": "([0-9a-f]{64})"/.exec(text.slice(text.indexOf('"files"')))?.[1] as string;
  writeFileSync(join(dir, 'SBOM.spdx.json'), text.replace(hash, hash.replace(/^./, (c) => (c === '0' ? '1' : '0'))));
  await expectFailures(dir, ['--key', publicKey], ['sbom-copy']);
}, VERIFY_TIMEOUT_MS);

test('an SBOM in the tarball missing a file, or naming an extra one: sbom fails (and the repacked tarball its checksums and signature)', async () => {
  for (const edit of ['missing', 'extra'] as const) {
    const dir = copyOf(`sbom-${edit}`);
    await repack(dir, (top) => {
      const path = join(top, 'SBOM.spdx.json');
      const sbom = JSON.parse(readFileSync(path, 'utf8')) as { files: { fileName: string }[] };
      if (edit === 'missing') sbom.files = sbom.files.filter((file) => !file.fileName.endsWith('/LICENSE'));
      else sbom.files.push({ ...(sbom.files[0] as { fileName: string }), fileName: `./r4-${version}/extra.js` });
      writeFileSync(path, `${JSON.stringify(sbom, null, 2)}\n`);
      cpSync(path, join(dir, 'SBOM.spdx.json'));
    });
    await expectFailures(dir, ['--key', publicKey], ['signature', 'checksums', 'sbom']);
  }
}, VERIFY_TIMEOUT_MS);

test("a manifest hash changed inside the tarball: checksums fail, and the core is not its manifest's", async () => {
  const dir = copyOf('manifest');
  await repack(dir, (top) => {
    const path = join(top, 'selftest/manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/("core_sha256":")(.)/, (_, head: string, c: string) => `${head}${c === '0' ? '1' : '0'}`));
  });
  await expectFailures(dir, ['--key', publicKey], ['signature', 'checksums', 'sbom', 'core']);
}, VERIFY_TIMEOUT_MS);

test('another key than the signer: signature fails, naming the key', async () => {
  await expectFailures(releaseA, ['--key', otherKey], ['signature']);
  const outcome = await verifyPosix(releaseA, ['--key', otherKey]);
  expect(outcome.stdout).toContain(`FAIL signature: not made by the given key (${otherKey})`);
}, VERIFY_TIMEOUT_MS);

test('without a signing key, release says so and exits non-zero; --unsigned makes a release verify-release calls unsigned', async () => {
  const empty = emptyGnupg();
  const refused = await release(repoA, join(work, 'out-nokey'), [], { ...process.env, GNUPGHOME: empty });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`no secret key in GNUPGHOME=${empty}: set GNUPGHOME or R4_GPG_KEY to sign, or pass --unsigned`);
  expect(existsSync(join(work, 'out-nokey'))).toBe(false);

  // Release B was made with --unsigned and no key: verify-release reports it unsigned, and accepts it only when told.
  expect(existsSync(join(releaseB, 're4_release.tar.gz.asc'))).toBe(false);
  await expectFailures(releaseB, ['--key', publicKey], ['signature']);
  expect((await verifyPosix(releaseB, ['--key', publicKey])).stdout).toContain('FAIL signature: unsigned release: no re4_release.tar.gz.asc');
  for (const verify of [verifyNode, verifyPosix]) {
    const outcome = await verify(releaseB, ['--unsigned']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('ok   signature: unsigned release (no re4_release.tar.gz.asc), accepted by --unsigned');
  }
}, VERIFY_TIMEOUT_MS);

test('uncommitted changes are refused unless --allow-dirty', async () => {
  writeFileSync(join(repoA, 'README.md'), `${readFileSync(join(repoA, 'README.md'), 'utf8')}\nlocal edit\n`);
  try {
    const refused = await release(repoA, join(work, 'out-dirty'), ['--unsigned'], process.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/uncommitted changes .* commit them, or pass --allow-dirty for a release that is not reproducible/);
  } finally {
    await ok(['git', 'checkout', '--', 'README.md'], { cwd: repoA });
  }
}, VERIFY_TIMEOUT_MS);
