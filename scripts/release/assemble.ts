// Lays out the release tree from a built export, the way deploy/systemd/install.sh lays out /opt/r4:
//   package.json, package-lock.json, LICENSE, NOTICE, verify-release.sh, SBOM.spdx.json
//   runtime/bin/re4_dump, selftest/manifest.json   the core and its identity
//   dist/                                          the product's compiled code (tsconfig.product.json) and dist/dashboard
//   node_modules/                                  the union of the service's and the operator's production closures
//   proof/**/SUMMARY.md                            the statistical evidence summaries in the repository
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { closure, programDependencies, type Lock } from '../prune-dependencies.js';
import { npmPackagesOf, type SbomNpmPackage } from './sbom.js';

export const RELEASE_PROGRAMS = ['service', 'operator'] as const;

/** The lock paths the release ships, the programs' direct dependencies among them, and their SBOM entries. */
export function shippedPackages(lock: Lock, packageJson: { r4?: { programs?: Record<string, string[]> } }): { packages: SbomNpmPackage[]; roots: string[] } {
  const keep = new Set<string>();
  const roots = new Set<string>();
  for (const program of RELEASE_PROGRAMS) {
    const names = programDependencies(packageJson, program);
    for (const path of closure(lock, names)) keep.add(path);
    for (const name of names) roots.add(`node_modules/${name}`);
  }
  return { packages: npmPackagesOf(lock, keep), roots: [...roots].sort() };
}

function copy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}

function walk(dir: string, visit: (path: string) => void): void {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    visit(path);
    if (lstatSync(path).isDirectory()) walk(path, visit);
  }
}

/** Every regular file under root, as sorted relative paths. Symbolic links are refused: a verifier could not hash them alike. */
export function listFiles(root: string): string[] {
  const files: string[] = [];
  walk(root, (path) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) throw new Error(`the release would hold a symbolic link: ${relative(root, path)}`);
    if (stat.isFile()) files.push(relative(root, path));
  });
  return files.sort();
}

export function assemble(built: string, stage: string): { packages: SbomNpmPackage[]; roots: string[] } {
  const packageJson = JSON.parse(readFileSync(join(built, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(built, 'package-lock.json'), 'utf8')) as Lock;
  for (const file of ['LICENSE', 'NOTICE', 'scripts/release/verify-release.sh']) {
    if (!existsSync(join(built, file))) throw new Error(`${file} is not in the source: commit it first`);
  }
  mkdirSync(stage, { recursive: true });
  for (const file of ['package.json', 'package-lock.json', 'LICENSE', 'NOTICE']) copy(join(built, file), join(stage, file));
  copy(join(built, 'scripts/release/verify-release.sh'), join(stage, 'verify-release.sh'));
  copy(join(built, 'native/build/re4_dump'), join(stage, 'runtime/bin/re4_dump'));
  copy(join(built, 'native/build/manifest.json'), join(stage, 'selftest/manifest.json'));
  copy(join(built, 'dist'), join(stage, 'dist'));
  if (existsSync(join(built, 'proof'))) {
    walk(join(built, 'proof'), (path) => {
      if (path.endsWith('/SUMMARY.md') && statSync(path).isFile()) copy(path, join(stage, relative(built, path)));
    });
  }

  // The shipped packages: the programs' closures, without what is never loaded at run time (as in the images).
  const shipped = shippedPackages(lock, packageJson);
  const keep = new Set(shipped.packages.map((pkg) => pkg.lockPath));
  copy(join(built, 'node_modules'), join(stage, 'node_modules'));
  for (const path of Object.keys(lock.packages)) {
    if (path !== '' && !keep.has(path)) rmSync(join(stage, path), { recursive: true, force: true });
  }
  rmSync(join(stage, 'node_modules/.package-lock.json'), { force: true });
  // Command links (.bin, at any depth) serve npm scripts, never the programs.
  const dropped: string[] = [];
  walk(join(stage, 'node_modules'), (path) => {
    if (path.endsWith('/node_modules/.bin') || (/\.(d\.ts|d\.mts|d\.cts|map)$/.test(path) && lstatSync(path).isFile())) dropped.push(path);
  });
  for (const path of dropped) rmSync(path, { recursive: true, force: true });
  removeEmptyDirectories(stage);
  normaliseModes(stage);
  return shipped;
}

function removeEmptyDirectories(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (lstatSync(path).isDirectory() && removeEmptyDirectories(path)) rmSync(path, { recursive: true });
    else empty = false;
  }
  return empty;
}

/** 0755 for directories and anything executable, 0644 for the rest: what a checkout or a umask must not decide. */
export function normaliseModes(root: string): void {
  chmodSync(root, 0o755);
  walk(root, (path) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    chmodSync(path, stat.isDirectory() || (stat.mode & 0o111) !== 0 ? 0o755 : 0o644);
  });
}
