// Fixture images in podman mode: no such images are built. Each is the real service image with files
// mounted over its core or manifest, made from that image's own core, as test/image does it: the
// tampered core is the image's core with one byte flipped; the hanging self-test is a script that sleeps on
// --selftest and runs the image's core otherwise, with a manifest that names the script's hash.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExtraMount } from './podman-run-args.js';
import { hangingSelftestCore, tamperedCore } from './programs.js';

/** Where the service image keeps its core and manifest (Dockerfile: R4_CORE_PATH, R4_MANIFEST_PATH). */
export const IMAGE_CORE_PATH = '/app/runtime/bin/re4_dump';
export const IMAGE_MANIFEST_PATH = '/app/selftest/manifest.json';
/** The image's own core, mounted beside the hanging script so that the script can run it. */
const REAL_CORE_PATH = `${IMAGE_CORE_PATH}.image`;

export const SERVICE_IMAGE_FIXTURES = ['r4-tampered-core', 'r4-selftest-hang'] as const;
export type ServiceImageFixture = (typeof SERVICE_IMAGE_FIXTURES)[number];

export const isServiceImageFixture = (name: string): name is ServiceImageFixture => (SERVICE_IMAGE_FIXTURES as readonly string[]).includes(name);

/** The hanging core of podman mode and its hash (tests put it in an appliance's expectedCoreSha256). */
export const podmanHangingSelftestCore = () => hangingSelftestCore(REAL_CORE_PATH);

/** Writes the fixture's files into dir (once per image) and says where they go in the container. */
export async function fixtureMounts(fixture: ServiceImageFixture, imageCore: Buffer, dir: string): Promise<ExtraMount[]> {
  const fixtureDir = join(dir, fixture);
  await mkdir(fixtureDir, { recursive: true, mode: 0o755 });
  if (fixture === 'r4-tampered-core') {
    const core = join(fixtureDir, 're4_dump');
    await writeFile(core, tamperedCore(imageCore), { mode: 0o755 });
    return [{ source: core, destination: IMAGE_CORE_PATH, readOnly: true }];
  }
  const { script, sha256 } = podmanHangingSelftestCore();
  const files = { script: join(fixtureDir, 're4_dump'), core: join(fixtureDir, 're4_dump.image'), manifest: join(fixtureDir, 'manifest.json') };
  await writeFile(files.script, script, { mode: 0o755 });
  await writeFile(files.core, imageCore, { mode: 0o755 });
  await writeFile(files.manifest, JSON.stringify({ name: 're4_dump', core_sha256: sha256 }), { mode: 0o644 });
  return [
    { source: files.script, destination: IMAGE_CORE_PATH, readOnly: true },
    { source: files.core, destination: REAL_CORE_PATH, readOnly: true },
    { source: files.manifest, destination: IMAGE_MANIFEST_PATH, readOnly: true },
  ];
}
