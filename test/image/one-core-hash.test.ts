// One commit gives one core hash everywhere (issue 16): the core this machine builds, the core the service
// image carries (its label dev.r4.core.sha256), and the chart's default expectation (the operator image's
// R4_DEFAULT_CORE_SHA256, which the chart keeps unless appliances.expectedCoreSha256 is set) are the same
// bytes. It holds because the git revision is only in the manifest, and host and image link the one
// libssl-dev native/openssl.env pins (the image's base has the security suite that publishes it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildImages, BUILD_TIMEOUT_MS, type BuiltImages } from '../support/image-build.js';
import { runOnce } from './containers.js';
import { inspectImage, repoRoot } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';

const pinned = /^LIBSSL_DEV_VERSION=(\S+)$/m.exec(readFileSync(path.join(repoRoot, 'native/openssl.env'), 'utf8'))?.[1];

let run: TestRun;
let images: BuiltImages;

beforeAll(async () => {
  run = TestRun.start();
  images = await buildImages(run);
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await run?.close();
}, 120_000);

/** The release core, built here from a clean copy of native/ as `make` builds it on any machine. */
function hostCoreSha256(): string {
  const dir = mkdtempSync(path.join(run.dir, 'host-core-'));
  try {
    const copy = path.join(dir, 'native');
    cpSync(path.join(repoRoot, 'native'), copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}build`) });
    // The package.json next to it gives the version, as in the checkout.
    cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
    execFileSync('make', ['-s', '-C', copy, 'build/re4_dump'], { stdio: 'pipe' });
    return createHash('sha256').update(readFileSync(path.join(copy, 'build/re4_dump'))).digest('hex');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('this machine and the image link the pinned libssl-dev', async () => {
  expect(pinned).toMatch(/^3\.\d+\.\d+-/);
  expect(execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libssl-dev'], { encoding: 'utf8' })).toBe(pinned);
  const buildStage = `r4-build:${images.service.split(':')[1]}`;
  expect((await runOnce(run, buildStage, 'dpkg-query', ['-W', '-f', '${Version}', 'libssl-dev'])).toString()).toBe(pinned);
}, 120_000);

test('the host build, the service image and the chart default name the same core', async () => {
  const host = hostCoreSha256();
  const [service, operator] = await Promise.all([inspectImage(images.service), inspectImage(images.operator)]);
  const image = service.Labels?.['dev.r4.core.sha256'];
  const inImage = createHash('sha256').update(await runOnce(run, images.service, 'cat', ['/app/runtime/bin/re4_dump'])).digest('hex');
  // The chart sets no expectation of its own by default, so its pods are held to the operator image's.
  const values = parse(readFileSync(path.join(repoRoot, 'charts/r4/values.yaml'), 'utf8')) as { appliances: { expectedCoreSha256: string } };
  expect(values.appliances.expectedCoreSha256).toBe('');
  const chartDefault = /^R4_DEFAULT_CORE_SHA256=(.*)$/m.exec((operator.Config.Env ?? []).join('\n'))?.[1];
  process.stderr.write(`r4 one core hash: host ${host}, image label ${image}, image file ${inImage}, chart default ${chartDefault}\n`);
  expect(host).toMatch(/^[0-9a-f]{64}$/);
  expect({ image, inImage, chartDefault }).toEqual({ image: host, inImage: host, chartDefault: host });
}, 120_000);
