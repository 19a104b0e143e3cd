// The checks of verify-release, each named, each a line: the signature against the given key only, every
// SHA-256 of re4_release.sha256, the SBOM's files against the tarball's, the core against its manifest.
// verify-release.sh (in the tarball) makes the same checks with sh, sha256sum, gpg and tar alone.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CHECKSUMS, SBOM, SIGNATURE, TARBALL, sha256 } from './archive.js';

export type CheckName = 'signature' | 'checksums' | 'sbom' | 'sbom-copy' | 'core';

export interface CheckResult {
  check: CheckName;
  ok: boolean;
  detail: string;
}

export function formatResult(result: CheckResult): string {
  return `${result.ok ? 'ok  ' : 'FAIL'} ${result.check}: ${result.detail}`;
}

function listTree(root: string): { files: string[]; others: string[] } {
  const files: string[] = [];
  const others: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else (stat.isFile() ? files : others).push(relative(root, path));
    }
  };
  walk(root);
  return { files: files.sort(), others };
}

/** `sha256sum` lines as path -> hash; malformed lines are errors. */
export function parseChecksums(text: string): { entries: Map<string, string>; errors: string[] } {
  const entries = new Map<string, string>();
  const errors: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) errors.push(`malformed line ${JSON.stringify(line)}`);
    else if (entries.has(match[2] as string)) errors.push(`${match[2]} listed twice`);
    else entries.set(match[2] as string, match[1] as string);
  }
  return { entries, errors };
}

/** The SBOM's files section as path -> SHA-256. */
export function sbomFiles(text: string): Map<string, string> {
  const document = JSON.parse(text) as { files?: { fileName?: string; checksums?: { algorithm?: string; checksumValue?: string }[] }[] };
  const files = new Map<string, string>();
  for (const file of document.files ?? []) {
    const hash = file.checksums?.find((checksum) => checksum.algorithm === 'SHA256')?.checksumValue;
    files.set(String(file.fileName).replace(/^\.\//, ''), String(hash));
  }
  return files;
}

/** Differences between what should be and what is, in words (at most a few, then a count). */
export function compareMaps(expected: Map<string, string>, actual: Map<string, string>, what: { expected: string; actual: string }): string[] {
  const problems: string[] = [];
  for (const [path, hash] of actual) {
    if (!expected.has(path)) problems.push(`${path} is in the ${what.actual} but not in the ${what.expected}`);
    else if (expected.get(path) !== hash) problems.push(`${path}: SHA-256 ${hash} in the ${what.actual}, ${expected.get(path)} in the ${what.expected}`);
  }
  for (const path of expected.keys()) if (!actual.has(path)) problems.push(`${path} is in the ${what.expected} but not in the ${what.actual}`);
  return problems;
}

function summarise(problems: string[]): string {
  return problems.length <= 3 ? problems.join('; ') : `${problems.slice(0, 3).join('; ')}; and ${problems.length - 3} more`;
}

export function checkSignature(dir: string, key: string | undefined, unsigned: boolean): CheckResult {
  const signature = join(dir, SIGNATURE);
  if (!existsSync(signature)) {
    return unsigned ? { check: 'signature', ok: true, detail: `unsigned release (no ${SIGNATURE}), accepted by --unsigned` } : { check: 'signature', ok: false, detail: `unsigned release: no ${SIGNATURE}` };
  }
  if (!key) return { check: 'signature', ok: true, detail: 'not checked (--unsigned, no --key)' };
  // A keyring of its own, holding the given key only: never the user's keyring, never another key.
  const home = mkdtempSync(join(tmpdir(), 'r4-verify-gnupg-'));
  try {
    chmodSync(home, 0o700);
    const env = { ...process.env, GNUPGHOME: home };
    const imported = spawnSync('gpg', ['--batch', '--quiet', '--import', key], { encoding: 'utf8', env });
    if (imported.error) return { check: 'signature', ok: false, detail: `gpg: ${imported.error.message}` };
    if (imported.status !== 0) return { check: 'signature', ok: false, detail: `cannot import the key ${key}: ${imported.stderr.trim().split('\n')[0]}` };
    const verified = spawnSync('gpg', ['--batch', '--status-fd', '1', '--verify', signature, join(dir, TARBALL)], { encoding: 'utf8', env });
    const valid = /^\[GNUPG:\] VALIDSIG ([0-9A-F]+)/m.exec(verified.stdout);
    if (verified.status === 0 && valid) return { check: 'signature', ok: true, detail: `good signature by ${valid[1]}` };
    const why = /^\[GNUPG:\] BADSIG/m.test(verified.stdout) ? `BAD signature of ${TARBALL}` : /^\[GNUPG:\] (NO_PUBKEY|ERRSIG)/m.test(verified.stdout) ? `not made by the given key (${key})` : `gpg cannot verify it: ${verified.stderr.trim().split('\n').pop()}`;
    return { check: 'signature', ok: false, detail: why };
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  }
}

export function verifyRelease(dir: string, key: string | undefined, unsigned: boolean): CheckResult[] {
  const results: CheckResult[] = [checkSignature(dir, key, unsigned)];
  const tarball = join(dir, TARBALL);
  const unpacked = mkdtempSync(join(tmpdir(), 'r4-verify-'));
  try {
    const untar = existsSync(tarball) ? spawnSync('tar', ['-x', '-z', '--no-same-owner', '--no-same-permissions', '-C', unpacked, '-f', tarball], { encoding: 'utf8' }) : undefined;
    const tree = listTree(unpacked);
    const tops = readdirSync(unpacked);
    const unreadable = !untar ? `no ${TARBALL}` : untar.status !== 0 ? `${TARBALL} does not unpack: ${untar.stderr.trim().split('\n').pop()}` : tops.length !== 1 ? `${TARBALL} has ${tops.length} top-level entries, not one directory` : undefined;
    const hashes = new Map(tree.files.map((path) => [path, sha256(join(unpacked, path))]));

    // checksums
    const listed = existsSync(join(dir, CHECKSUMS)) ? parseChecksums(readFileSync(join(dir, CHECKSUMS), 'utf8')) : undefined;
    if (!listed) results.push({ check: 'checksums', ok: false, detail: `no ${CHECKSUMS}` });
    else {
      const problems = [...listed.errors];
      const tarballHash = listed.entries.get(TARBALL);
      if (!tarballHash) problems.push(`${TARBALL} is not listed`);
      else if (existsSync(tarball) && sha256(tarball) !== tarballHash) problems.push(`${TARBALL}: SHA-256 mismatch`);
      if (unreadable) problems.push(unreadable);
      else {
        listed.entries.delete(TARBALL);
        problems.push(...compareMaps(listed.entries, hashes, { expected: CHECKSUMS, actual: 'tarball' }));
        for (const other of tree.others) problems.push(`${other} is not a regular file`);
      }
      results.push(problems.length ? { check: 'checksums', ok: false, detail: summarise(problems) } : { check: 'checksums', ok: true, detail: `${hashes.size + 1} SHA-256 sums match` });
    }

    // sbom and sbom-copy: the SBOM in the tarball lists exactly its other files; the one beside it is the same
    const top = tops[0] ?? '';
    const inner = join(unpacked, top, SBOM);
    if (unreadable) results.push({ check: 'sbom', ok: false, detail: unreadable });
    else if (!existsSync(inner)) results.push({ check: 'sbom', ok: false, detail: `no ${SBOM} in the tarball` });
    else {
      let described: Map<string, string> | undefined;
      try {
        described = sbomFiles(readFileSync(inner, 'utf8'));
      } catch (error) {
        results.push({ check: 'sbom', ok: false, detail: `${SBOM} is not JSON: ${(error as Error).message}` });
      }
      if (described) {
        const files = new Map([...hashes].filter(([path]) => path !== `${top}/${SBOM}`));
        const problems = compareMaps(described, files, { expected: 'SBOM', actual: 'tarball' });
        results.push(problems.length ? { check: 'sbom', ok: false, detail: summarise(problems) } : { check: 'sbom', ok: true, detail: `the SBOM describes exactly the ${files.size} files of the tarball` });
      }
    }
    const outer = join(dir, SBOM);
    if (!existsSync(outer)) results.push({ check: 'sbom-copy', ok: false, detail: `no ${SBOM} beside the tarball` });
    else if (!existsSync(inner) || !readFileSync(outer).equals(readFileSync(inner))) results.push({ check: 'sbom-copy', ok: false, detail: `${SBOM} differs from the tarball's` });
    else results.push({ check: 'sbom-copy', ok: true, detail: `${SBOM} is the tarball's` });

    // core
    const core = join(unpacked, top, 'runtime/bin/re4_dump');
    const manifestPath = join(unpacked, top, 'selftest/manifest.json');
    if (unreadable || !existsSync(core) || !existsSync(manifestPath)) results.push({ check: 'core', ok: false, detail: unreadable ?? 'runtime/bin/re4_dump or selftest/manifest.json is missing' });
    else {
      const expected = /"core_sha256":"([0-9a-f]{64})"/.exec(readFileSync(manifestPath, 'utf8'))?.[1];
      const actual = sha256(core);
      results.push(expected === actual ? { check: 'core', ok: true, detail: `re4_dump sha256 ${actual} is its manifest's` } : { check: 'core', ok: false, detail: `re4_dump sha256 ${actual}, its manifest says ${expected ?? 'nothing'}` });
    }
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
  return results;
}
