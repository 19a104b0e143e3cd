// Each image ships only its program's npm packages (scripts/prune-dependencies.ts keeps the closure
// of package.json's "r4.programs" lists). Those lists are checked here against what each program's code
// really imports, and the closure against the lock file: nothing missing, nothing extra, no dev package.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closure, programDependencies, type Lock } from '../../scripts/prune-dependencies.js';
import { repoRoot } from '../support/repo-paths.js';
import { importGraph, reachable } from './import-graph.js';

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; r4: { programs: Record<string, string[]> } };
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as Lock;
const graph = importGraph();
/** Each program's entry points: the service also starts its VRF threads from their own file. */
const entries: Record<string, string[]> = { service: ['service/main.ts', 'service/vrf/worker.ts'], operator: ['operator/main.ts'], cli: ['cli/main.ts'] };

test.each(Object.entries(entries))('%s: package.json lists exactly the packages its code imports', (program, programEntries) => {
  const imported = programEntries.flatMap((entry) => [...reachable(graph, entry)]).flatMap((file) => graph.packages.get(file) ?? []);
  expect(programDependencies(packageJson, program)).toEqual([...new Set(imported)].sort());
});

test('every production dependency is some program\'s, and every program\'s is a production dependency', () => {
  const used = new Set(Object.values(packageJson.r4.programs).flat());
  expect([...used].sort()).toEqual(Object.keys(packageJson.dependencies).sort());
});

test.each(Object.keys(entries))('%s: the closure resolves in the lock file and holds no dev package', (program) => {
  const kept = closure(lock, programDependencies(packageJson, program));
  expect([...kept].filter((path) => lock.packages[path]?.dev)).toEqual([]);
  expect(kept.has('node_modules/jest')).toBe(false);
});

test('the service image does not carry the Kubernetes client, nor the operator image Fastify', () => {
  expect(closure(lock, programDependencies(packageJson, 'service')).has('node_modules/@kubernetes/client-node')).toBe(false);
  expect(closure(lock, programDependencies(packageJson, 'operator')).has('node_modules/fastify')).toBe(false);
});
