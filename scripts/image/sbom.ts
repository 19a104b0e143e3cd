// node sbom.js <program> <name> <app-dir> <debian-packages> > SBOM.spdx.json
//
// The SBOM of one image, written in the Dockerfile's `sbom` stage with the release's generator
// (scripts/release/sbom.ts), compiled there with the two files it needs. <app-dir> is the image's /app exactly as
// it ships (its stage `<program>-app`); <debian-packages> is `dpkg-query -W -f '${Package} ${Version} ${Architecture}\n'`
// of the runtime base, plus the build stage's tini, whose static binary the images run as PID 1.
// It lists: r4's own files in /app (dist/, the core, its manifest, package.json) with their hashes; every npm
// package in /app/node_modules (as package-lock.json records it: version, licence, integrity, dependencies);
// the core with its SHA-256 and the OpenSSL linked into it; Node; the Debian packages.
// The commit and its time come from the build arguments REVISION and CREATED (never the clock), so the same
// commit gives the same SBOM, and the same image.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { programDependencies, type Lock } from '../prune-dependencies.js';
import { makeSbom, npmPackagesOf, opensslVersionOf, sbomText, type DebianPackage, type SbomFile, type SbomInput } from '../release/sbom.js';

/** `dpkg-query -W -f '${Package} ${Version} ${Architecture}\n'` lines as packages, sorted and without repeats. */
export function parseDebianPackages(text: string): DebianPackage[] {
  const packages = new Map<string, DebianPackage>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [name, version, arch, ...rest] = line.trim().split(/\s+/);
    if (!name || !version || !arch || rest.length > 0) throw new Error(`not a "package version architecture" line: ${JSON.stringify(line)}`);
    packages.set(`${name}:${arch}`, { name, version, arch });
  }
  return [...packages.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}

/** r4's own files under the image's /app (everything but node_modules, which the SBOM lists as packages). */
function ownFiles(app: string): SbomFile[] {
  const files: SbomFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        if (path !== join(app, 'node_modules')) walk(path);
      } else if (stat.isFile()) {
        const bytes = readFileSync(path);
        files.push({
          path: join('app', relative(app, path)),
          sha1: createHash('sha1').update(bytes).digest('hex'),
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
      }
    }
  };
  walk(app);
  return files;
}

function nodeIntegrity(versionsEnv: string): string {
  const pinned = /^NODE_VERSION=(\S+)$/m.exec(versionsEnv)?.[1];
  // The integrity is the pinned tarball's: it says nothing about another Node (say, a real upstream base image's).
  return pinned === process.versions.node ? (/^NODE_INTEGRITY=(\S+)$/m.exec(versionsEnv)?.[1] ?? '') : '';
}

function main(): void {
  const [program, name, app, debianList] = process.argv.slice(2);
  if (!program || !name || !app || !debianList) {
    process.stderr.write('usage: node sbom.js <program> <name> <app-dir> <debian-packages>\n');
    process.exit(2);
  }
  const packageJson = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { version: string; license: string; r4?: { programs?: Record<string, string[]> } };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock;
  const manifest = JSON.parse(readFileSync(join(app, 'selftest/manifest.json'), 'utf8')) as { name: string; version: string; core_sha256: string };
  const coreVersion = execFileSync(join(app, 'runtime/bin/re4_dump'), ['--version'], { encoding: 'utf8' });
  const libsslDev = process.env.LIBSSL_DEV_VERSION ?? 'unknown';
  const commit = process.env.REVISION ?? 'unknown';
  const created = new Date(process.env.CREATED ?? '');
  if (Number.isNaN(created.getTime())) throw new Error(`CREATED must be the commit's time (ISO 8601), not ${JSON.stringify(process.env.CREATED)}`);

  const npm = npmPackagesOf(lock, Object.keys(lock.packages).filter((lockPath) => lockPath !== '' && existsSync(join(app, lockPath))));
  const input: SbomInput = {
    name,
    version: packageJson.version,
    license: packageJson.license,
    commit,
    created,
    files: ownFiles(app),
    npm,
    npmRoots: programDependencies(packageJson, program).map((dependency) => `node_modules/${dependency}`),
    core: {
      name: manifest.name,
      version: manifest.version,
      sha256: manifest.core_sha256,
      openssl: { version: opensslVersionOf(coreVersion), source: `from the core's --version; Debian's libssl-dev ${libsslDev} (native/openssl.env) provided its libcrypto.a` },
    },
    node: { version: process.versions.node, integrity: nodeIntegrity(readFileSync('scripts/node/versions.env', 'utf8')) },
    debian: parseDebianPackages(readFileSync(debianList, 'utf8')),
  };
  process.stdout.write(sbomText(makeSbom(input)));
}

if (process.argv[1]?.endsWith('/image/sbom.js')) main();
