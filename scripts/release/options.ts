// The command line of `npm run release` and `npm run verify-release`, parsed into plain values (pure).

export interface ReleaseOptions {
  unsigned: boolean; // no gpg signature; the release says so and verify-release reports it
  allowDirty: boolean; // build the working tree, uncommitted changes included: not reproducible
  out: string; // the release goes to <out>/<version>/
}

export interface VerifyOptions {
  dir: string;
  key: string | undefined; // the public key the signature must be made with
  unsigned: boolean; // accept a release without a signature (still checks everything else)
}

export type Parsed<T> = { ok: true; options: T } | { ok: false; message: string };

export const RELEASE_USAGE = 'usage: npm run release [-- --unsigned] [--allow-dirty] [--out DIR]';
export const VERIFY_USAGE = 'usage: npm run verify-release -- release/<version> --key <public-key.asc> (or --unsigned for a release without a signature)';

export function parseReleaseArgs(args: readonly string[]): Parsed<ReleaseOptions> {
  const options: ReleaseOptions = { unsigned: false, allowDirty: false, out: 'release' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--unsigned') options.unsigned = true;
    else if (arg === '--allow-dirty') options.allowDirty = true;
    else if (arg === '--out') {
      const value = args[++i];
      if (!value) return { ok: false, message: `--out needs a directory\n${RELEASE_USAGE}` };
      options.out = value;
    } else return { ok: false, message: `unknown argument ${JSON.stringify(arg)}\n${RELEASE_USAGE}` };
  }
  return { ok: true, options };
}

export function parseVerifyArgs(args: readonly string[]): Parsed<VerifyOptions> {
  let dir: string | undefined;
  let key: string | undefined;
  let unsigned = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--unsigned') unsigned = true;
    else if (arg === '--key') {
      key = args[++i];
      if (!key) return { ok: false, message: `--key needs a public key file\n${VERIFY_USAGE}` };
    } else if (arg.startsWith('--') || dir !== undefined) return { ok: false, message: `unknown argument ${JSON.stringify(arg)}\n${VERIFY_USAGE}` };
    else dir = arg;
  }
  if (dir === undefined) return { ok: false, message: `which release? ${VERIFY_USAGE}` };
  if (key === undefined && !unsigned) return { ok: false, message: `no key: give the signer's public key with --key, or --unsigned to skip the signature\n${VERIFY_USAGE}` };
  return { ok: true, options: { dir, key, unsigned } };
}
