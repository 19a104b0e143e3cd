// npm run release [-- --unsigned] [--allow-dirty] [--out DIR]
//
// Builds release/<version>/ from the current commit, exported clean: re4_release.tar.gz (see assemble.ts),
// re4_release.sha256, re4_release.tar.gz.asc and SBOM.spdx.json. Two runs from one commit give the same
// tarball and SBOM, byte for byte (docs/release.md). Only the signature differs: gpg stamps it with the time.
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assemble, listFiles } from './assemble.js';
import { CHECKSUMS, SBOM, SIGNATURE, TARBALL, checksumLines, pack, sha1, sha256 } from './archive.js';
import { buildSource } from './build.js';
import { parseReleaseArgs } from './options.js';
import { proofStatus } from './proof.js';
import { run } from './run.js';
import { makeSbom, opensslVersionOf, sbomText } from './sbom.js';
import { sign, signingKey } from './sign.js';
import { describeSource, exportSource } from './source.js';

const say = (line: string) => process.stderr.write(`release: ${line}\n`);

function envValue(text: string, name: string): string {
  const value = new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];
  if (!value) throw new Error(`scripts/node/versions.env has no ${name}`);
  return value;
}

function release(args: readonly string[]): number {
  const started = Date.now();
  const parsed = parseReleaseArgs(args);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n`);
    return 2;
  }
  const options = parsed.options;
  const repo = run('git', ['rev-parse', '--show-toplevel']).trim();
  const source = describeSource(repo);
  if (source.dirty.length > 0 && !options.allowDirty) {
    say(`the working tree has uncommitted changes (${source.dirty.length} paths, e.g. "${source.dirty[0]}"): commit them, or pass --allow-dirty for a release that is not reproducible`);
    return 1;
  }
  const key = options.unsigned ? undefined : signingKey(process.env);
  if (key && !key.ok) {
    say(key.message);
    return 1;
  }

  const work = mkdtempSync(join(tmpdir(), 'r4-release-'));
  try {
    const built = join(work, 'source');
    const workingTree = source.dirty.length > 0;
    say(workingTree ? `building the WORKING TREE (--allow-dirty): this release is NOT reproducible from commit ${source.commit}` : `building commit ${source.commit} (SOURCE_DATE_EPOCH=${source.sourceDateEpoch})`);
    exportSource(repo, built, workingTree);
    const packageJson = JSON.parse(readFileSync(join(built, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
    buildSource(built, source.commit, say);

    const top = `r4-${packageJson.version}`;
    const parent = join(work, 'stage');
    const stage = join(parent, top);
    const shipped = assemble(built, stage);
    const manifest = JSON.parse(readFileSync(join(stage, 'selftest/manifest.json'), 'utf8')) as { name: string; version: string; core_sha256: string };
    const openssl = opensslVersionOf(run(join(stage, 'runtime/bin/re4_dump'), ['--version']));
    const versions = readFileSync(join(built, 'scripts/node/versions.env'), 'utf8');
    const proof = proofStatus(built, manifest.core_sha256);
    say(`proof: ${proof.line}`);

    const files = listFiles(stage).map((path) => ({ path: `${top}/${path}`, sha1: sha1(join(stage, path)), sha256: sha256(join(stage, path)) }));
    const sbom = sbomText(
      makeSbom({
        name: packageJson.name,
        version: packageJson.version,
        license: packageJson.license,
        commit: source.commit,
        created: new Date(source.sourceDateEpoch * 1000),
        files,
        npm: shipped.packages,
        npmRoots: shipped.roots,
        core: { name: manifest.name, version: manifest.version, sha256: manifest.core_sha256, openssl: { version: openssl, source: "from the core's --version (the libcrypto linked into it)" } },
        node: { version: envValue(versions, 'NODE_VERSION'), integrity: envValue(versions, 'NODE_INTEGRITY') },
      }),
    );
    writeFileSync(join(stage, SBOM), sbom);
    chmodSync(join(stage, SBOM), 0o644);

    const out = resolve(repo, options.out, packageJson.version);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const tarball = join(out, TARBALL);
    pack(parent, top, source.sourceDateEpoch, tarball);
    // Every file of the tarball: those the SBOM describes, hashed once above, and the SBOM itself.
    const sbomEntry = { path: `${top}/${SBOM}`, sha256: sha256(join(stage, SBOM)) };
    writeFileSync(join(out, CHECKSUMS), checksumLines([...files, sbomEntry].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), tarball));
    copyFileSync(join(stage, SBOM), join(out, SBOM));
    if (key?.ok) {
      sign(tarball, join(out, SIGNATURE), key.fingerprint, process.env);
      say(`signed with key ${key.fingerprint}`);
    } else say('UNSIGNED (--unsigned): verify-release will report it');

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(`${out}: ${TARBALL} ${statSync(tarball).size} bytes, ${files.length + 1} files, ${shipped.packages.length} npm packages, core sha256 ${manifest.core_sha256}, OpenSSL ${openssl}, ${seconds} s`);
    if (workingTree) say('NOT reproducible: built from uncommitted changes (--allow-dirty)');
    if (!proof.ok) say(`WITHOUT statistical evidence for its core: ${proof.line}`);
    process.stdout.write(`${out}\n`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('/release/main.js')) {
  try {
    process.exitCode = release(process.argv.slice(2));
  } catch (error) {
    say((error as Error).message);
    process.exitCode = 1;
  }
}
