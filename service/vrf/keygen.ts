// `node dist/service/vrf/keygen.js <keyset.json>`: makes a VRF keyset for a local run (npm start) when the
// file is absent, from 64 bytes of the attested core; an existing file is checked, never replaced, so the
// beacon of a machine keeps its chain across restarts. In Kubernetes the operator makes the keyset instead.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseVrfKeyset } from '../../contracts/vrf-keyset.js';
import { readCoreSeed } from '../../vrf/node/core-seed.js';
import { KEY_SEED_BYTES, newKeyMaterial } from '../../vrf/node/key-material.js';
import { packageRoot } from '../packageRoot.js';

const CORE_TIMEOUT_MS = 10_000;

async function main(path: string | undefined): Promise<number> {
  if (path === undefined) {
    process.stderr.write('usage: node dist/service/vrf/keygen.js <keyset.json>\n');
    return 2;
  }
  if (existsSync(path)) {
    const parsed = parseVrfKeyset(readFileSync(path, 'utf8'));
    if (parsed.ok) return 0;
    process.stderr.write(`r4: the VRF keyset ${path} is unusable: ${parsed.reason}; move it away to make a new one\n`);
    return 1;
  }
  const root = packageRoot();
  const corePath = process.env.R4_CORE_PATH || join(root, 'native', 'build', 're4_dump');
  const manifestPath = process.env.R4_MANIFEST_PATH || join(root, 'native', 'build', 'manifest.json');
  const seed = await readCoreSeed(corePath, manifestPath, KEY_SEED_BYTES, CORE_TIMEOUT_MS);
  const now = new Date();
  const keyset = { version: 1, keys: [newKeyMaterial(seed.bytes, seed.coreSha256, now, now)] };
  seed.bytes.fill(0);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written whole under another name, then renamed: the service never reads half a keyset.
  const partial = `${path}.partial`;
  writeFileSync(partial, JSON.stringify(keyset), { mode: 0o600 });
  renameSync(partial, path);
  process.stderr.write(`r4: made VRF key ${keyset.keys[0]!.key_id} with the core (${seed.coreSha256.slice(0, 12)}…) in ${path}\n`);
  return 0;
}

main(process.argv[2]).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`r4: no VRF keyset made: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
