// The detached, ASCII-armoured signature: gpg's default secret key (GNUPGHOME), or the one R4_GPG_KEY names.
// Never a key of the repository's own.
import { spawnSync } from 'node:child_process';
import { run } from './run.js';

export function signingKey(env: NodeJS.ProcessEnv): { ok: true; fingerprint: string } | { ok: false; message: string } {
  const wanted = env.R4_GPG_KEY;
  const listed = spawnSync('gpg', ['--batch', '--with-colons', '--list-secret-keys', ...(wanted ? [wanted] : [])], { encoding: 'utf8', env });
  if (listed.error) return { ok: false, message: `gpg is not installed (${listed.error.message}); it signs releases` };
  const fingerprint = secretKeyFingerprint(listed.stdout ?? '');
  if (listed.status !== 0 || !fingerprint) {
    const where = env.GNUPGHOME ? `GNUPGHOME=${env.GNUPGHOME}` : 'the default GnuPG home';
    return { ok: false, message: wanted ? `no secret key "${wanted}" (R4_GPG_KEY) in ${where}` : `no secret key in ${where}: set GNUPGHOME or R4_GPG_KEY to sign, or pass --unsigned` };
  }
  return { ok: true, fingerprint };
}

/** The first secret key's fingerprint in `gpg --with-colons` output. */
export function secretKeyFingerprint(colons: string): string | undefined {
  const lines = colons.split('\n');
  const sec = lines.findIndex((line) => line.startsWith('sec:'));
  if (sec < 0) return undefined;
  return lines.slice(sec + 1).find((line) => line.startsWith('fpr:'))?.split(':')[9] || undefined;
}

export function sign(tarball: string, signature: string, fingerprint: string, env: NodeJS.ProcessEnv): void {
  run('gpg', ['--batch', '--yes', '--armor', '--detach-sign', '--local-user', fingerprint, '--output', signature, tarball], { env });
}
