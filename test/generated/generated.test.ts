// Every generated file is what its one source makes today: a stale copy fails here with the command that
// mends it. The sources: api/v1alpha1/ (the CRD, its copy in the chart, the chart's values schema),
// operator/rbac.ts (deploy/operator/rbac.yaml, the chart's rules) and scripts/generate/values-schema.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFiles, REGENERATE } from '../../scripts/generate/targets.js';
import { repoRoot } from '../support/repo-paths.js';

test.each(generatedFiles().map((f) => [f.path, f]))('%s is up to date', (_path, file) => {
  const committed = readFileSync(join(repoRoot, file.path), 'utf8');
  if (committed !== file.content) throw new Error(`${file.path} is stale: its source changed since it was generated; run \`${REGENERATE}\``);
});
