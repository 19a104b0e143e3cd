// npm run synth -- FILE...  prints, as YAML, the objects the operator would create for each
// EntropyAppliance in the files (other documents are ignored), for people who run without the operator.
// The image, its digest and the core hash that an appliance leaves out come from R4_DEFAULT_IMAGE,
// R4_DEFAULT_IMAGE_DIGEST (required) and R4_DEFAULT_CORE_SHA256, else from this checkout (image
// r4:<version>, the hash in native/build/manifest.json).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { KIND } from '../api/v1alpha1/group.js';
import { DIGEST_PATTERN } from '../api/v1alpha1/image.js';
import { resolveSpec, type OperatorDefaults } from '../api/v1alpha1/resolve.js';
import type { EntropyAppliance } from '../api/v1alpha1/types.js';
import { parseManifest } from '../contracts/manifest.js';
import { synthesizeWorkload, type RenderedObject } from '../cdk8s/entropy-workload.js';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function localDefaults(env: NodeJS.ProcessEnv): OperatorDefaults {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const manifest = join(repoRoot, 'native', 'build', 'manifest.json');
  const parsed = existsSync(manifest) ? parseManifest(readFileSync(manifest, 'utf8')) : undefined;
  const coreSha256 = env.R4_DEFAULT_CORE_SHA256 || (parsed?.ok ? parsed.manifest.coreSha256 : '');
  if (!coreSha256) throw new Error('no core hash: set R4_DEFAULT_CORE_SHA256 or build the core (npm run build:native)');
  // Pods run one image digest; without the operator, it is the one the image was built with.
  const imageDigest = env.R4_DEFAULT_IMAGE_DIGEST ?? '';
  if (!DIGEST_PATTERN.test(imageDigest)) {
    throw new Error("no image digest: set R4_DEFAULT_IMAGE_DIGEST (e.g. sudo sh scripts/image/podman.sh image inspect --format '{{.Digest}}' r4:<version>)");
  }
  return { image: env.R4_DEFAULT_IMAGE || `r4:${pkg.version}`, imageDigest, coreSha256 };
}

export function synthesizeFiles(files: readonly string[], defaults: OperatorDefaults): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const file of files) {
    const documents = parseAllDocuments(readFileSync(file, 'utf8'));
    for (const document of documents) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      const object = document.toJS() as EntropyAppliance | null;
      if (object?.kind !== KIND) continue;
      if (!object.metadata?.name || !object.spec?.apiKeySecretRef?.name) {
        throw new Error(`${file}: an EntropyAppliance needs metadata.name and spec.apiKeySecretRef.name`);
      }
      objects.push(...synthesizeWorkload(resolveSpec(object, defaults)));
    }
  }
  return objects;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: npm run synth -- FILE.yaml [FILE.yaml ...]\n');
    process.exit(2);
  }
  try {
    const objects = synthesizeFiles(files, localDefaults(process.env));
    if (objects.length === 0) throw new Error(`no ${KIND} found in ${files.join(', ')}`);
    process.stdout.write(objects.map((o) => stringify(o)).join('---\n'));
  } catch (error) {
    process.stderr.write(`synth: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
