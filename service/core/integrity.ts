import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { parseManifest, type ManifestResult } from '../../contracts/manifest.js';
import type { Integrity } from '../../contracts/version-document.js';

export interface IntegrityReport {
  integrity: Integrity;
  /** SHA-256 of the core file as read at this check; null when it could not be read. */
  measuredSha256: string | null;
  /** SHA-256 expected: the pinned hash when one is set, else the manifest's; null when neither could be read. */
  expectedSha256: string | null;
  coreGit: string;
  coreVersion: string;
  detail: string;
}

export type Measurement = { ok: true; sha256: string } | { ok: false; reason: string };

/**
 * Compares what was measured with what the manifest expects and, when the deployment pins a hash too
 * (R4_EXPECTED_CORE_SHA256), with that. Anything unreadable is `missing`, never `verified`.
 */
export function integrityVerdict(core: Measurement, manifest: ManifestResult, pinnedSha256: string | null = null): IntegrityReport {
  const measuredSha256 = core.ok ? core.sha256 : null;
  const expectedSha256 = pinnedSha256 ?? (manifest.ok ? manifest.manifest.coreSha256 : null);
  const coreGit = manifest.ok ? manifest.manifest.git : 'unknown';
  const coreVersion = manifest.ok ? manifest.manifest.version : 'unknown';
  const base = { measuredSha256, expectedSha256, coreGit, coreVersion };
  if (!core.ok) return { ...base, integrity: 'missing', detail: core.reason };
  if (!manifest.ok) return { ...base, integrity: 'missing', detail: manifest.reason };
  if (core.sha256 !== manifest.manifest.coreSha256) {
    return {
      ...base,
      integrity: 'mismatch',
      detail: `core sha256 ${core.sha256} differs from the manifest's ${manifest.manifest.coreSha256}`,
    };
  }
  if (pinnedSha256 !== null && core.sha256 !== pinnedSha256) {
    return { ...base, integrity: 'mismatch', detail: `core sha256 ${core.sha256} differs from R4_EXPECTED_CORE_SHA256 ${pinnedSha256}` };
  }
  return { ...base, integrity: 'verified', detail: `core sha256 ${core.sha256} matches the manifest${pinnedSha256 ? ' and R4_EXPECTED_CORE_SHA256' : ''}` };
}

export interface SealResult {
  report: IntegrityReport;
  /** The private copy that was hashed and may be executed; null unless the core is verified. */
  sealedPath: string | null;
}

/**
 * Measures the core and, when it matches the manifest, seals it: writes the very bytes that were hashed to
 * `sealedPath`, inside a directory only this process's user can write (created by mkdtemp, mode 0700).
 *
 * Why a private copy: hashing `R4_CORE_PATH` and then executing that path leaves a window in which the file
 * can be swapped (TOCTOU). Executing the copy written from the hashed buffer closes it for everyone but our
 * own user and root, who could ptrace this process anyway. (memfd_create + fexecve would avoid the copy, but
 * Node cannot call them.) Files are written synchronously so no concurrent fork of this process can inherit
 * an open write descriptor and make the exec fail with ETXTBSY.
 */
export function sealCore(corePath: string, manifestPath: string, sealedPath: string, pinnedSha256: string | null = null): SealResult {
  const core = readCore(corePath);
  const manifest = readManifest(manifestPath);
  const report = integrityVerdict(core.ok ? { ok: true, sha256: core.sha256 } : core, manifest, pinnedSha256);
  if (report.integrity !== 'verified' || !core.ok) return { report, sealedPath: null };
  const staging = `${sealedPath}.${process.pid}.staging`;
  writeFileSync(staging, core.bytes, { mode: 0o700, flag: 'w' });
  chmodSync(staging, 0o500);
  renameSync(staging, sealedPath);
  return { report, sealedPath };
}

function readCore(path: string): { ok: true; sha256: string; bytes: Buffer } | { ok: false; reason: string } {
  try {
    // A FIFO or device at the path would block or never end; only a regular file can be a core.
    if (!statSync(path).isFile()) return { ok: false, reason: `core ${path} is not a regular file` };
    const bytes = readFileSync(path);
    return { ok: true, sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
  } catch (err) {
    return { ok: false, reason: `core ${path} cannot be read: ${errorCode(err)}` };
  }
}

function readManifest(path: string): ManifestResult {
  try {
    if (!statSync(path).isFile()) return { ok: false, reason: `manifest ${path} is not a regular file` };
    const result = parseManifest(readFileSync(path, 'utf8'));
    return result.ok ? result : { ok: false, reason: `${result.reason} (${path})` };
  } catch (err) {
    return { ok: false, reason: `manifest ${path} cannot be read: ${errorCode(err)}` };
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
