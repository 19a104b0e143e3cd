// The core's manifest, native/build/manifest.json (written by native/Makefile): what the build says the
// core is. The service checks the core against it; the images, the chart and the release read its hash.
import { parseJsonObject } from './json-object.js';
import { isSha256 } from './sha256.js';

/** The file's fields: {"name", "version", "git", "core_sha256"}. */
export interface ManifestFile {
  name: string;
  version: string;
  git: string;
  core_sha256: string;
}

export interface CoreManifest {
  coreSha256: string;
  git: string;
  version: string;
}

export type ManifestResult = { ok: true; manifest: CoreManifest } | { ok: false; reason: string };

/** Parses the manifest strictly: a manifest without a well-formed hash cannot vouch for anything. */
export function parseManifest(text: string): ManifestResult {
  const parsed = parseJsonObject(text, 'manifest');
  if (!parsed.ok) return parsed;
  const { core_sha256: coreSha256, git, version } = parsed.object as Partial<Record<keyof ManifestFile, unknown>>;
  if (!isSha256(coreSha256)) return { ok: false, reason: 'manifest has no core_sha256 of 64 lowercase hex digits' };
  return {
    ok: true,
    manifest: {
      coreSha256,
      git: typeof git === 'string' ? git : 'unknown',
      version: typeof version === 'string' ? version : 'unknown',
    },
  };
}
