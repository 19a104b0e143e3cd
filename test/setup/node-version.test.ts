// One Node everywhere: the version scripts/node/versions.env pins is the one `npm test` runs on, and the
// one every other place that names a Node version names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-paths.js';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const pinned = /^NODE_VERSION=(\S+)$/m.exec(read('scripts/node/versions.env'))?.[1] as string;

test('the tests run on the pinned Node 24', () => {
  expect(pinned).toMatch(/^24\.\d+\.\d+$/);
  expect(process.version).toBe(`v${pinned}`);
  // Node 24's OpenSSL 3.5 brings ML-DSA, which r4's signatures need.
  expect(process.versions.openssl).toMatch(/^3\.[5-9]/);
});

test('.nvmrc, .node-version, engines and @types/node agree with it', () => {
  expect(read('.nvmrc').trim()).toBe(pinned);
  expect(read('.node-version').trim()).toBe(pinned);
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
  expect(pkg.engines.node).toBe('>=24.22.0 <25');
  expect(pkg.devDependencies['@types/node']).toMatch(/^\^24\./);
  expect(read('Dockerfile')).not.toMatch(/node:(?!24-)\d+/);
});
