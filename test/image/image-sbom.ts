// What an image says about itself in its SBOM (/app/sbom/SBOM.spdx.json, named by the label dev.r4.sbom),
// read out of the image and checked against the image itself: its Debian packages as dpkg lists them there,
// its npm packages, its core. The SPDX project's own validator (pyspdxtools, scripts/release/spdx-tools.sh)
// judges the document.
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runOnce } from './containers.js';
import { repoRoot } from '../support/podman.js';
import type { TestRun } from '../support/test-run.js';

export const SBOM_PATH = '/app/sbom/SBOM.spdx.json';
export const SBOM_LABEL = 'dev.r4.sbom';

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  externalRefs?: { referenceType: string; referenceLocator: string }[];
}

export interface ImageSbom {
  text: string;
  spdxVersion: string;
  packages: SpdxPackage[];
  files: { fileName: string; checksums: { algorithm: string; checksumValue: string }[] }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

export async function readImageSbom(run: TestRun, image: string): Promise<ImageSbom> {
  const text = (await runOnce(run, image, 'cat', [SBOM_PATH])).toString('utf8');
  return { text, ...(JSON.parse(text) as Omit<ImageSbom, 'text'>) };
}

/** "name version arch" of every Debian package installed in the image, as dpkg itself lists them there. */
export async function imageDebianPackages(run: TestRun, image: string): Promise<string[]> {
  const listed = await runOnce(run, image, 'dpkg-query', ['-W', '-f', '${Package} ${Version} ${Architecture}\\n']);
  return listed.toString('utf8').split('\n').filter(Boolean).sort();
}

/** The SBOM's Debian packages as "name version arch", from their purls (pkg:deb/debian/name@version?arch=a). */
export function sbomDebianPackages(sbom: ImageSbom): string[] {
  return sbom.packages
    .flatMap((pkg) => pkg.externalRefs?.filter((ref) => ref.referenceType === 'purl' && ref.referenceLocator.startsWith('pkg:deb/')) ?? [])
    .map((ref) => {
      const found = /^pkg:deb\/debian\/([^@]+)@([^?]+)\?arch=(.+)$/.exec(ref.referenceLocator);
      if (!found) throw new Error(`not a Debian purl: ${ref.referenceLocator}`);
      return [found[1], found[2], found[3]].map((part) => decodeURIComponent(part as string)).join(' ');
    })
    .sort();
}

/** The SBOM's core package (re4_dump) and the SHA-256 it records. */
export function sbomCoreSha256(sbom: ImageSbom): string | undefined {
  return sbom.packages.find((pkg) => pkg.name === 're4_dump')?.checksums?.find((c) => c.algorithm === 'SHA256')?.checksumValue;
}

/** pyspdxtools' verdict on the document: its exit code and what it printed. */
export async function validateSpdx(run: TestRun, sbom: ImageSbom, name: string): Promise<{ code: number; output: string }> {
  const file = path.join(run.dir, name);
  writeFileSync(file, sbom.text);
  const validator = execFileSync('sh', [path.join(repoRoot, 'scripts/release/spdx-tools.sh')], { encoding: 'utf8', timeout: 10 * 60_000 }).trim();
  return new Promise((resolve) => {
    execFile(validator, ['--infile', file], { timeout: 5 * 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
