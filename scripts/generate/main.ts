// npm run generate            writes every generated file (scripts/generate/targets.ts lists them)
// npm run generate -- --check  writes nothing; lists the stale ones and exits 1 if there are any
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles, REGENERATE } from './targets.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const file of generatedFiles()) {
  const path = join(root, file.path);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === file.content) continue;
  stale++;
  if (check) process.stderr.write(`stale: ${file.path}\n`);
  else {
    writeFileSync(path, file.content);
    process.stderr.write(`wrote ${file.path}\n`);
  }
}
if (check && stale > 0) {
  process.stderr.write(`${stale} generated file(s) differ from their sources; run \`${REGENERATE}\`\n`);
  process.exit(1);
}
