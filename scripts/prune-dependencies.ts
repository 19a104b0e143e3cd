// node scripts/prune-dependencies.ts <program> [dir]
//
// Leaves in <dir>/node_modules (default: the current directory's) only what one program needs at run time:
// the packages package.json's "r4.programs.<program>" names, and everything they depend on, as the lock
// file resolves it (Node's lookup: the nearest node_modules up the tree). The images and
// deploy/systemd/install.sh ship exactly their program's closure; a test checks that those lists are what
// the programs import. Runs on Node 24 as it is (type stripping): no compile step needed.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lock {
  packages: Record<string, LockPackage>;
}

/** Where Node finds `name` when `from` (a lock path like node_modules/a/node_modules/b) requires it. */
export function resolveDependency(packages: Lock['packages'], from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** The lock paths a program needs: its roots and everything they require, transitively. */
export function closure(lock: Lock, roots: readonly string[]): Set<string> {
  const keep = new Set<string>();
  const visit = (from: string, name: string, required: boolean) => {
    const path = resolveDependency(lock.packages, from, name);
    if (!path) {
      if (required) throw new Error(`${name}, needed by ${from || 'the program'}, is not in the lock file`);
      return;
    }
    if (keep.has(path)) return;
    keep.add(path);
    const entry = lock.packages[path] as LockPackage;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, true);
    // Optional and optional-peer dependencies count when the lock installed them (e.g. for this platform).
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, false);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(path, dep, !entry.peerDependenciesMeta?.[dep]?.optional);
  };
  for (const root of roots) visit('', root, true);
  return keep;
}

export function programDependencies(packageJson: { r4?: { programs?: Record<string, string[]> } }, program: string): string[] {
  const roots = packageJson.r4?.programs?.[program];
  if (!roots) throw new Error(`package.json names no dependencies for the program "${program}" (r4.programs)`);
  return roots;
}

function prune(dir: string, program: string): void {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lock;
  const keep = closure(lock, programDependencies(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), program));
  let removed = 0;
  for (const path of Object.keys(lock.packages)) {
    if (path === '' || keep.has(path) || !existsSync(join(dir, path))) continue;
    rmSync(join(dir, path), { recursive: true, force: true });
    removed++;
  }
  // npm's own record of the tree and the command links of removed packages no longer describe it.
  rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
  const bin = join(dir, 'node_modules', '.bin');
  if (existsSync(bin)) {
    for (const link of readdirSync(bin)) {
      const path = join(bin, link);
      if (lstatSync(path).isSymbolicLink() && !existsSync(path)) rmSync(path);
    }
  }
  // Scopes left empty.
  for (const entry of readdirSync(join(dir, 'node_modules'))) {
    const path = join(dir, 'node_modules', entry);
    if (entry.startsWith('@') && statSync(path).isDirectory() && readdirSync(path).length === 0) rmSync(path, { recursive: true });
  }
  process.stdout.write(`${program}: kept ${keep.size} packages, removed ${removed}\n`);
}

if (process.argv[1]?.endsWith('prune-dependencies.ts') || process.argv[1]?.endsWith('prune-dependencies.js')) {
  const [program, dir = process.cwd()] = process.argv.slice(2);
  if (!program) {
    process.stderr.write('usage: node scripts/prune-dependencies.ts <program> [dir]\n');
    process.exit(2);
  }
  try {
    prune(dir, program);
  } catch (error) {
    process.stderr.write(`prune-dependencies: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
