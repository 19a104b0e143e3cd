import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found from this file rather than from the working directory, so the default core and
 * manifest paths are right whether the service runs from `service/` (tests) or `dist/service/` (built), and
 * from any cwd.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackageName(candidate) === 'r4') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('r4: cannot find the package root (package.json named "r4")');
    dir = parent;
  }
}

export function packageVersion(root: string): string {
  const parsed: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = (parsed as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

function readPackageName(path: string): string | undefined {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const name = (parsed as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}
