// The operator image (`--target operator` of the same Dockerfile): it carries the service image's core hash
// as its default expectation, refuses to start without its settings, and, given a kubeconfig (here one that
// leads nowhere: no cluster is needed to prove the image runs), serves its probes hardened and stops on SIGTERM.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildImages, BUILD_TIMEOUT_MS, type BuiltImages } from '../support/image-build.js';
import { runContainer, runToExit, waitForHttp, type Container } from './containers.js';
import { get } from './http.js';
import { imageDebianPackages, readImageSbom, sbomCoreSha256, sbomDebianPackages, SBOM_LABEL, SBOM_PATH, validateSpdx } from './image-sbom.js';
import { inspectImage, podmanResult, repoRoot } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';

// 127.0.0.1:9 inside the container: refused at once, so the operator campaigns for its lease in vain.
const kubeconfigLeadingNowhere = `apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: { server: "https://127.0.0.1:9" }
users:
  - name: nobody
    user: { token: not-a-token }
contexts:
  - name: nowhere
    context: { cluster: nowhere, user: nobody }
current-context: nowhere
`;

let run: TestRun;
let images: BuiltImages;
let kubeconfig: string;

beforeAll(async () => {
  run = TestRun.start();
  images = await buildImages(run);
  kubeconfig = path.join(run.dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigLeadingNowhere, { mode: 0o644 });
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await run?.close();
}, 120_000);

test('its default core hash is the one in the service image of the same build', async () => {
  const [operator, service] = await Promise.all([inspectImage(images.operator), inspectImage(images.service)]);
  const coreSha256 = service.Labels?.['dev.r4.core.sha256'];
  expect(coreSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(operator.Config.Env).toContain(`R4_DEFAULT_CORE_SHA256=${coreSha256}`);
  expect(operator.Config.Cmd).toEqual(['node', 'dist/operator/main.js']);
  expect(operator.Config.User).toBe('65532:65532');
}, 60_000);

test('it runs on the pinned Node 24 and ships only the operator\'s code and packages', async () => {
  const pinned = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(path.join(repoRoot, 'scripts/node/versions.env'), 'utf8'))?.[1];
  const look = await podmanResult(['run', '--rm', '--label', run.label, '--network', 'none', '--entrypoint', 'sh', images.operator, '-c', 'node --version; ls dist; ls node_modules']);
  const [version, ...entries] = look.stdout.toString('utf8').split('\n').filter(Boolean);
  expect(version).toBe(`v${pinned}`);
  expect(entries).toEqual(expect.arrayContaining(['api', 'cdk8s', 'contracts', 'operator', 'cdk8s-plus-27', '@kubernetes']));
  expect(entries.filter((e) => /^(service|fastify|pino|jest|typescript)$/.test(e))).toEqual([]);
}, 60_000);

test('it ships the attested core and its manifest, and makes VRF key seeds with them as its pods run it (read-only root, uid 65532, /tmp its only writable place)', async () => {
  const [operator, service] = await Promise.all([inspectImage(images.operator), inspectImage(images.service)]);
  expect(operator.Config.Env).toEqual(expect.arrayContaining(['R4_CORE_PATH=/app/runtime/bin/re4_dump', 'R4_MANIFEST_PATH=/app/selftest/manifest.json']));
  // The seed's length and the core's hash are printed; never its bytes.
  const script = [
    "const { readCoreSeed } = await import('/app/dist/vrf/node/core-seed.js');",
    'const seed = await readCoreSeed(process.env.R4_CORE_PATH, process.env.R4_MANIFEST_PATH, 64, 30000);',
    'console.log(JSON.stringify({ bytes: seed.bytes.length, coreSha256: seed.coreSha256 }));',
  ].join(' ');
  const result = await podmanResult([
    'run', '--rm', '--label', run.label, '--network', 'none', '--read-only', '--user', '65532:65532', '--cap-drop=ALL', '--security-opt', 'no-new-privileges',
    '--tmpfs', '/tmp:rw,exec,nosuid,nodev,size=16m,mode=1777', '--entrypoint', 'node', images.operator, '--input-type=module', '-e', script,
  ]);
  expect(JSON.parse(result.stdout.toString('utf8'))).toEqual({ bytes: 64, coreSha256: service.Labels?.['dev.r4.core.sha256'] });
}, 120_000);

test(`it carries its own SBOM at ${SBOM_PATH} (label ${SBOM_LABEL}): valid SPDX 2.3 listing its Debian packages, its npm packages and the core`, async () => {
  const [operator, service] = await Promise.all([inspectImage(images.operator), inspectImage(images.service)]);
  expect(operator.Labels?.[SBOM_LABEL]).toBe(SBOM_PATH);
  const sbom = await readImageSbom(run, images.operator);
  expect(sbom.spdxVersion).toBe('SPDX-2.3');
  const listed = sbomDebianPackages(sbom);
  expect(listed.filter((pkg) => !pkg.startsWith('tini '))).toEqual(await imageDebianPackages(run, images.operator));
  expect(sbomCoreSha256(sbom)).toBe(service.Labels?.['dev.r4.core.sha256']);
  // The operator's packages, not the service's.
  expect(sbom.packages.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['@kubernetes/client-node', 'cdk8s-plus-27']));
  expect(sbom.packages.filter((pkg) => /^(fastify|pino|jest|typescript)$/.test(pkg.name))).toEqual([]);
  const verdict = await validateSpdx(run, sbom, 'operator.spdx.json');
  expect(verdict).toEqual({ code: 0, output: expect.any(String) });
}, 15 * 60_000);

test('it ships the dashboard page, bundled at build time (no source maps, no external URL)', async () => {
  const script = [
    "const { readdirSync, readFileSync } = await import('node:fs');",
    "const dir = '/app/dist/dashboard';",
    'const js = readFileSync(dir + "/app.js", "utf8");',
    'console.log(JSON.stringify({ files: readdirSync(dir).sort(), sourceMap: js.includes("sourceMappingURL"), urls: js.match(/https?:\\/\\/[^"\'\\s)]+/g) ?? [] }));',
  ].join(' ');
  const result = await podmanResult(['run', '--rm', '--label', run.label, '--network', 'none', '--entrypoint', 'node', images.operator, '--input-type=module', '-e', script]);
  const found = JSON.parse(result.stdout.toString('utf8')) as { files: string[]; sourceMap: boolean; urls: string[] };
  expect(found.files).toEqual(['app.css', 'app.js', 'index.html']);
  expect(found.sourceMap).toBe(false);
  // XML namespace names (SVG, MathML, XHTML in Preact) are identifiers, never fetched.
  expect(found.urls.filter((u) => !u.startsWith('http://www.w3.org/'))).toEqual([]);
}, 120_000);

test('without R4_DEFAULT_IMAGE it exits 2 and says which setting is missing', async () => {
  const result = await runToExit(run, images.operator);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/r4-operator: invalid configuration: R4_DEFAULT_IMAGE is required/);
}, 120_000);

describe('hardened, with a kubeconfig', () => {
  let container: Container;

  beforeAll(async () => {
    container = await runContainer(run, {
      image: images.operator,
      port: 8081,
      purpose: 'operator',
      env: { KUBECONFIG: '/etc/r4/kubeconfig', R4_DEFAULT_IMAGE: images.service },
      flags: [
        '--read-only', '--user', '65532:65532', '--cap-drop=ALL', '--security-opt', 'no-new-privileges',
        '--volume', `${kubeconfig}:/etc/r4/kubeconfig:ro`,
      ],
    });
    await waitForHttp(container, '/healthz');
  }, 180_000);

  test('it serves /healthz, /readyz (not ready: its dashboard watches cannot list a cluster that is not there) and /metrics', async () => {
    expect((await get(`${container.url}/healthz`)).text).toBe('"ok"');
    const ready = await get(`${container.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({ ready: false, reason: "the dashboard's watches have not listed the cluster yet" });
    const metrics = await get(`${container.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^# TYPE /m);
  }, 60_000);

  test('SIGTERM stops it with exit code 0', async () => {
    await container.kill('SIGTERM');
    expect(await container.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
