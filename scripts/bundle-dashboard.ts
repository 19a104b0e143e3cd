// node scripts/bundle-dashboard.ts [outDir]
//
// Builds the dashboard (dashboard/, a Preact app) into <outDir> (default dist/dashboard): app.js (one
// minified ES module, no source map), app.css and index.html, which the operator serves. Nothing is
// fetched at run time from anywhere else: no CDN, no fonts. The output depends only on the sources, so
// two builds of one commit are byte-identical. Runs on Node 24 as it is (type stripping).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(repo, 'dashboard');
const outDir = resolve(process.argv[2] ?? join(repo, 'dist', 'dashboard'));

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const common = { bundle: true, minify: true, sourcemap: false, legalComments: 'none', charset: 'utf8', logLevel: 'warning', absWorkingDir: repo } as const;
await build({
  ...common,
  entryPoints: [join(source, 'main.tsx')],
  outfile: join(outDir, 'app.js'),
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(source, 'tsconfig.json'),
});
await build({ ...common, entryPoints: [join(source, 'app.css')], outfile: join(outDir, 'app.css') });
copyFileSync(join(source, 'index.html'), join(outDir, 'index.html'));
