// Absolute paths into the repository, the same whether this code runs from test/support (jest, ts-jest)
// or from dist/test/support (the compiled cluster CLI).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const compiled = /[/\\]dist[/\\]test[/\\]support$/.test(here);

export const repoRoot = resolve(here, compiled ? '../../..' : '../..');
export const clusterSourceDir = join(repoRoot, 'test', 'cluster');
export const compiledDir = join(repoRoot, 'dist');
