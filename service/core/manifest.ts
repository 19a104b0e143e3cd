/** What the build says the core is: `native/build/manifest.json` = {"name","version","git","core_sha256"}. */
export interface CoreManifest {
  coreSha256: string;
  git: string;
  version: string;
}

export type ManifestResult = { ok: true; manifest: CoreManifest } | { ok: false; reason: string };

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Parses the manifest strictly: a manifest without a well-formed hash cannot vouch for anything. */
export function parseManifest(text: string): ManifestResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'manifest is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'manifest is not a JSON object' };
  }
  const { core_sha256: coreSha256, git, version } = parsed as Record<string, unknown>;
  if (typeof coreSha256 !== 'string' || !SHA256_HEX.test(coreSha256)) {
    return { ok: false, reason: 'manifest has no core_sha256 of 64 lowercase hex digits' };
  }
  return {
    ok: true,
    manifest: {
      coreSha256,
      git: typeof git === 'string' ? git : 'unknown',
      version: typeof version === 'string' ? version : 'unknown',
    },
  };
}
