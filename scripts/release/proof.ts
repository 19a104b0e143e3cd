// What statistical evidence a release carries for its own core: the committed standard (or full) run of
// `npm run proof` whose directory and summary name the core's SHA-256 (proof/README.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexEntryOf } from '../proof/summary.js';

export interface ProofStatus {
  readonly ok: boolean;
  readonly line: string;
}

export function proofStatus(source: string, coreSha256: string): ProofStatus {
  const dir = coreSha256.slice(0, 12);
  for (const level of ['full', 'standard']) {
    const path = `proof/${dir}/${level}/SUMMARY.md`;
    if (!existsSync(join(source, path))) continue;
    const summary = readFileSync(join(source, path), 'utf8');
    if (!summary.includes(`SHA-256 \`${coreSha256}\``))
      return { ok: false, line: `${path} does not name this core (${coreSha256}): the release carries no valid evidence for it` };
    const { verdict, startedAt } = indexEntryOf(`${dir}/${level}`, summary);
    return { ok: verdict === 'PASS', line: `${level} run of this core, ${startedAt}: ${verdict} (${path}, in the tarball)` };
  }
  return { ok: false, line: `NO standard run of core ${dir} under proof/: run npm run proof -- --standard and commit proof/${dir}/ before releasing` };
}
