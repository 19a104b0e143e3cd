// The tarball, byte for byte the same from the same tree: sorted names, owner and group 0, the commit's time
// on every entry, no atime/ctime or process ids in pax headers, and gzip without a name or a time stamp.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { run } from './run.js';

export const TARBALL = 're4_release.tar.gz';
export const CHECKSUMS = 're4_release.sha256';
export const SIGNATURE = 're4_release.tar.gz.asc';
export const SBOM = 'SBOM.spdx.json';

export function pack(parent: string, top: string, sourceDateEpoch: number, tarball: string): void {
  const tar = [
    'tar', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${sourceDateEpoch}`, '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-C', '"$1"', '-cf', '-', '"$2"',
  ].join(' ');
  run('sh', ['-c', `${tar} | gzip -n -9 > "$3"`, 'pack', parent, top, tarball]);
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function sha1(path: string): string {
  return createHash('sha1').update(readFileSync(path)).digest('hex');
}

/** `sha256sum` lines for every file of the tarball (its path inside it), then the tarball itself. */
export function checksumLines(files: readonly { path: string; sha256: string }[], tarball: string): string {
  const lines = files.map((file) => `${file.sha256}  ${file.path}`);
  lines.push(`${sha256(tarball)}  ${TARBALL}`);
  return `${lines.join('\n')}\n`;
}
