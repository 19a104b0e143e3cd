// The repository's TypeScript import graph, read from the sources (TypeScript's own pre-processor, so
// static, re-exported and dynamic imports all count), for the structure tests.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../support/repo-paths.js';

export const ROOTS = ['api', 'contracts', 'vrf', 'service', 'operator', 'cdk8s', 'cli', 'dashboard', 'test', 'bench', 'scripts'];
export const PRODUCT = ['api', 'contracts', 'vrf', 'service', 'operator', 'cdk8s', 'cli', 'dashboard'];

function tsFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export interface ImportGraph {
  /** file -> the repository files it imports (relative specifiers). */
  files: Map<string, string[]>;
  /** file -> the packages it imports (bare specifiers, `node:` built-ins left out). */
  packages: Map<string, string[]>;
  /** file -> the `node:` built-ins it imports. */
  builtins: Map<string, string[]>;
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
const packageName = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

export function importGraph(): ImportGraph {
  const files = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const builtins = new Map<string, string[]>();
  const all = ROOTS.flatMap(tsFiles);
  const known = new Set(all);
  // `./x.js` names x.ts, or x.tsx (the dashboard's components) when that is the one that exists.
  const source = (path: string) => (path.endsWith('.js') ? [path.replace(/\.js$/, '.ts'), path.replace(/\.js$/, '.tsx')].find((p) => known.has(p)) ?? path.replace(/\.js$/, '.ts') : path);
  for (const file of all) {
    const specs = ts.preProcessFile(readFileSync(join(repoRoot, file), 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    files.set(file, specs.filter((s) => s.startsWith('.')).map((s) => source(normalize(join(dirname(file), s)))));
    packages.set(file, [...new Set(specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map(packageName))]);
    builtins.set(file, specs.filter((s) => s.startsWith('node:')));
  }
  return { files, packages, builtins };
}

/** Every file reachable from `entry` through relative imports, the entry included. */
export function reachable(graph: ImportGraph, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of graph.files.get(file) ?? []) visit(next);
  };
  visit(entry);
  return seen;
}
