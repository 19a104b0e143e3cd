// The service image as users get it: built with podman from the unchanged Dockerfile, run hardened
// (read-only root, uid 65532, no capabilities, no new privileges, /tmp a tmpfs, its port on 127.0.0.1
// only), it attests its own core and serves bytes; with a tampered core it serves none; SIGTERM stops it
// cleanly. Nothing here asserts a duration: the machine is shared and noisy; timings are printed.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildImages, BUILD_TIMEOUT_MS, type BuiltImages } from '../support/image-build.js';
import { runContainer, runOnce, runToExit, waitForHttp, type Container, type RunOptions } from './containers.js';
import { get, getJson } from './http.js';
import { imageDebianPackages, readImageSbom, sbomCoreSha256, sbomDebianPackages, SBOM_LABEL, SBOM_PATH, validateSpdx } from './image-sbom.js';
import { inspectImage, repoRoot } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';

const CORE_PATH = '/app/runtime/bin/re4_dump';
const MANIFEST_PATH = '/app/selftest/manifest.json';
const CORE_LABEL = 'dev.r4.core.sha256';
const API_KEY = 'image-test-key-0123456789abcdef0123456789';
const pinnedNode = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(path.join(repoRoot, 'scripts/node/versions.env'), 'utf8'))?.[1];
const auth = { 'x-api-key': API_KEY };

/** What `docker run --read-only ...` users are told to do; /tmp must allow exec (the sealed core runs there). */
const HARDENED = [
  '--read-only',
  '--user', '65532:65532',
  '--cap-drop=ALL',
  '--security-opt', 'no-new-privileges',
  '--tmpfs', '/tmp:rw,exec,nosuid,nodev,size=64m,mode=1777',
  '--pids-limit', '100',
  '--memory', '256m',
];

interface VersionDoc {
  integrity: string;
  selftest: string;
  mode: string;
  core_sha256: string;
  expected_core_sha256: string;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const git = (...args: string[]) => execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8' }).trim();

let run: TestRun;
let images: BuiltImages;
let coreSha256: string;

beforeAll(async () => {
  run = TestRun.start();
  images = await buildImages(run);
  coreSha256 = (await inspectImage(images.service)).Labels?.[CORE_LABEL] ?? '';
  process.stderr.write(
    `r4 image test: built in ${images.seconds.toFixed(1)} s; ${images.service} ${(images.serviceSize / 1e6).toFixed(0)} MB, ` +
      `${images.operator} ${(images.operatorSize / 1e6).toFixed(0)} MB\n`,
  );
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await run?.close();
}, 120_000);

/** Plain HTTP on the container's 0.0.0.0, which only the test reaches (the port is published on 127.0.0.1). */
const PLAIN_HTTP = { ALLOW_PLAIN_HTTP: '1' };

const start = (purpose: string, options: Partial<RunOptions> = {}) =>
  runContainer(run, { image: images.service, port: 8080, purpose, env: { API_KEY, ...PLAIN_HTTP }, ...options });

describe('the service image', () => {
  test('names its core: the label, the manifest and the core file agree', async () => {
    expect(coreSha256).toMatch(/^[0-9a-f]{64}$/);
    const core = await runOnce(run, images.service, 'cat', [CORE_PATH]);
    const manifest = JSON.parse((await runOnce(run, images.service, 'cat', [MANIFEST_PATH])).toString()) as { core_sha256: string };
    expect(sha256(core)).toBe(coreSha256);
    expect(manifest.core_sha256).toBe(coreSha256);
  }, 120_000);

  test('carries OCI labels taken from the commit, not from the clock', async () => {
    const { Labels: labels, Config: config } = await inspectImage(images.service);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(labels?.['org.opencontainers.image.version']).toBe(pkg.version);
    expect(labels?.['org.opencontainers.image.revision']).toMatch(new RegExp(`^${git('rev-parse', 'HEAD')}(-dirty)?$`));
    const committed = new Date(Number(git('log', '-1', '--format=%ct')) * 1000).toISOString().replace(/\.000Z$/, 'Z');
    expect(labels?.['org.opencontainers.image.created']).toBe(committed);
    // Built on the base by its digest, and saying which (the base's tag could move; the digest cannot).
    const base = await inspectImage(labels?.['org.opencontainers.image.base.name'] ?? '');
    expect(labels?.['org.opencontainers.image.base.digest']).toBe(base.Digest);
    expect(base.Digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(config.Env).toEqual(expect.arrayContaining([`R4_CORE_PATH=${CORE_PATH}`, `R4_MANIFEST_PATH=${MANIFEST_PATH}`]));
  }, 60_000);

  test(`carries its SBOM at ${SBOM_PATH} (label ${SBOM_LABEL}): valid SPDX 2.3 listing its Debian packages, its npm packages and its core`, async () => {
    const { Labels: labels } = await inspectImage(images.service);
    expect(labels?.[SBOM_LABEL]).toBe(SBOM_PATH);
    const sbom = await readImageSbom(run, images.service);
    expect(sbom.spdxVersion).toBe('SPDX-2.3');
    // Every package dpkg knows in the image, at its version, and tini, whose static binary is PID 1.
    const debian = await imageDebianPackages(run, images.service);
    expect(debian.length).toBeGreaterThan(50);
    const listed = sbomDebianPackages(sbom);
    expect(listed.filter((pkg) => !pkg.startsWith('tini '))).toEqual(debian);
    expect(listed.some((pkg) => pkg.startsWith('tini '))).toBe(true);
    // The core it runs, by the hash its label names.
    expect(sbomCoreSha256(sbom)).toBe(coreSha256);
    const fastify = JSON.parse((await runOnce(run, images.service, 'cat', ['/app/node_modules/fastify/package.json'])).toString()) as { version: string };
    expect(sbom.packages).toContainEqual(expect.objectContaining({ name: 'fastify', versionInfo: fastify.version }));
    expect(sbom.packages.filter((pkg) => /^(@kubernetes\/client-node|jest|typescript)$/.test(pkg.name))).toEqual([]);
    const verdict = await validateSpdx(run, sbom, 'service.spdx.json');
    expect(verdict).toEqual({ code: 0, output: expect.any(String) });
  }, 15 * 60_000);

  test('a second build finds every layer cached and gives the same image', async () => {
    const again = await buildImages(run);
    process.stderr.write(`r4 image test: warm rebuild in ${again.seconds.toFixed(1)} s\n`);
    expect(again.serviceId).toBe(images.serviceId);
  }, BUILD_TIMEOUT_MS);
});

describe('run hardened', () => {
  let container: Container;

  beforeAll(async () => {
    container = await start('hardened', { flags: HARDENED });
    await waitForHttp(container, '/health');
  }, 180_000);

  test('it attests its core: integrity verified, self-test passed, mode sealed, the image label\'s hash', async () => {
    expect((await get(`${container.url}/health`)).text).toBe('"ok"');
    const version = await getJson<VersionDoc>(`${container.url}/version`);
    expect(version).toMatchObject({ integrity: 'verified', selftest: 'pass', mode: 'sealed' });
    expect(version.core_sha256).toBe(coreSha256);
    expect(version.expected_core_sha256).toBe(coreSha256);
  }, 60_000);

  test('it runs on the pinned Node 24 and ships only the service\'s code and packages', async () => {
    expect((await container.exec(['node', '--version'])).trim()).toBe(`v${pinnedNode}`);
    expect((await container.exec(['ls', 'dist'])).split('\n').filter(Boolean)).toEqual(['contracts', 'service', 'vrf']);
    const packages = (await container.exec(['ls', 'node_modules'])).split('\n');
    expect(packages).toContain('fastify');
    expect(packages.filter((p) => /^(@kubernetes|cdk8s|jest|typescript)$/.test(p))).toEqual([]);
  }, 60_000);

  test('it serves random bytes to a key holder only', async () => {
    const answer = await get(`${container.url}/random?n=32&fmt=hex`, auth);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-r4-mode']).toBe('sealed');
    expect(answer.text).toMatch(/^[0-9a-f]{64}$/);
    expect((await get(`${container.url}/random?n=32&fmt=hex`)).status).toBe(401);
  }, 60_000);

  test('tini is PID 1; tini, node and the core run as uid 65532 with no capabilities, on a read-only root', async () => {
    expect(await container.exec(['cat', '/proc/1/comm'])).toBe('tini\n');
    const statuses = await container.exec([
      // By the program each runs (argv[0]): Node 24 names its main thread "MainThread", so comm no longer
      // says node, and the core makes itself undumpable, which hides its /proc/<pid>/exe.
      'sh', '-c', 'for p in /proc/[0-9]*; do n="$(basename "$(tr \'\\0\' \'\\n\' <"$p/cmdline" 2>/dev/null | head -n 1)")"; case "$n" in tini|node|re4_dump) echo "Exe: $n"; cat "$p/status";; esac; done',
    ]);
    const processes = statuses.split(/^(?=Exe:)/m);
    expect(processes.map((status) => /^Exe:\s+(\S+)/.exec(status)?.[1]).sort()).toEqual(['node', 're4_dump', 'tini']);
    for (const status of processes) {
      expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    }
    expect(await container.exec(['sh', '-c', 'touch /app/x 2>&1 || true'])).toMatch(/Read-only file system/);
  }, 60_000);

  test('SIGTERM stops it with exit code 0', async () => {
    const sent = Date.now();
    await container.kill('SIGTERM');
    const exit = await container.exited;
    process.stderr.write(`r4 image test: stopped ${Date.now() - sent} ms after SIGTERM\n`);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('with a tampered core mounted over the real one', () => {
  let container: Container;

  beforeAll(async () => {
    const core = await runOnce(run, images.service, 'cat', [CORE_PATH]);
    const middle = Math.floor(core.length / 2);
    core[middle] = (core[middle] ?? 0) ^ 0x01;
    const tampered = path.join(run.dir, 're4_dump');
    writeFileSync(tampered, core, { mode: 0o755 });
    container = await start('tampered', { flags: [...HARDENED, '--volume', `${tampered}:${CORE_PATH}:ro`] });
    await waitForHttp(container, '/health');
  }, 180_000);

  test('it is blocked: integrity mismatch, /ready 503', async () => {
    const version = await getJson<VersionDoc>(`${container.url}/version`);
    expect(version).toMatchObject({ integrity: 'mismatch', mode: 'blocked' });
    expect(version.core_sha256).not.toBe(coreSha256);
    expect(version.expected_core_sha256).toBe(coreSha256);
    expect((await get(`${container.url}/ready`)).status).toBe(503);
  }, 60_000);

  test('/random answers 503 with a reason and no bytes', async () => {
    const answer = await get(`${container.url}/random?n=32`, auth);
    expect(answer.status).toBe(503);
    expect(answer.headers['x-r4-mode']).toBe('blocked');
    expect(Object.keys(JSON.parse(answer.text) as object)).toEqual(['detail']);
  }, 60_000);
});

describe('the quick start: `docker run -d -p 8080:8080 -e API_KEY="$key" -e ALLOW_PLAIN_HTTP=1 <image>`', () => {
  /** As the README makes it: `key=$(openssl rand -hex 16)`. */
  const key = randomBytes(16).toString('hex');

  test('without TLS and without ALLOW_PLAIN_HTTP=1 it refuses to serve plain HTTP on 0.0.0.0, and says what to set', async () => {
    const result = await runToExit(run, images.service, ['--env', `API_KEY=${key}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS, or set ALLOW_PLAIN_HTTP=1 to serve plain HTTP there');
  }, 120_000);

  test('with an API key and ALLOW_PLAIN_HTTP=1 it runs sealed, as uid 65532, and serves', async () => {
    const container = await runContainer(run, { image: images.service, port: 8080, purpose: 'quickstart', env: { API_KEY: key, ...PLAIN_HTTP } });
    await waitForHttp(container, '/health');
    expect((await getJson<VersionDoc>(`${container.url}/version`)).mode).toBe('sealed');
    // The README's curl examples: the key as a header, or in the query.
    expect((await get(`${container.url}/random?n=32&fmt=hex`, { 'x-api-key': key })).text).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from((await get(`${container.url}/random?n=16&fmt=base64&key=${key}`)).text, 'base64')).toHaveLength(16);
    expect((await container.exec(['id', '-u'])).trim()).toBe('65532');
    await container.kill('SIGTERM');
    expect((await container.exited).code).toBe(0);
  }, 180_000);
});

describe('with a /tmp that forbids exec (Docker\'s `--tmpfs /tmp` default)', () => {
  test('the core cannot run, so with STRICT_FIPS=1 it serves nothing rather than anything unsealed', async () => {
    const flags = HARDENED.map((flag) => (flag.startsWith('/tmp:') ? '/tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777' : flag));
    const container = await start('noexec', { flags, env: { API_KEY, STRICT_FIPS: '1', ...PLAIN_HTTP } });
    await waitForHttp(container, '/health');
    const version = await getJson<VersionDoc>(`${container.url}/version`);
    expect(version).toMatchObject({ integrity: 'verified', mode: 'blocked' });
    expect((await get(`${container.url}/random?n=32`, auth)).status).toBe(503);
    await container.kill('SIGTERM');
    await container.exited;
  }, 180_000);
});
