import { makeSbom, npmPurl, debianPurl, sbomText, sha512Hex, spdxLicense, type SbomInput } from '../../scripts/release/sbom.js';

const integrity = `sha512-${Buffer.alloc(64, 0xab).toString('base64')}`;

function input(overrides: Partial<SbomInput> = {}): SbomInput {
  return {
    name: 'r4',
    version: '0.1.0',
    license: 'Apache-2.0',
    commit: 'c0ffee',
    created: new Date(1_700_000_000_000),
    files: [
      { path: 'r4-0.1.0/b.js', sha1: '1'.repeat(40), sha256: 'b'.repeat(64) },
      { path: 'r4-0.1.0/a.js', sha1: '2'.repeat(40), sha256: 'a'.repeat(64) },
    ],
    npm: [
      { lockPath: 'node_modules/@scope/x', name: '@scope/x', version: '1.0.0', license: 'MIT', integrity, dependencies: ['node_modules/y'] },
      { lockPath: 'node_modules/y', name: 'y', version: '2.0.0', license: '(MIT OR CC0-1.0)', integrity: undefined, dependencies: [] },
    ],
    npmRoots: ['node_modules/@scope/x'],
    core: { name: 're4_dump', version: '0.1.0', sha256: 'c'.repeat(64), openssl: { version: '3.0.19', source: 'read from the binary' } },
    node: { version: '24.22.3', integrity },
    ...overrides,
  };
}

test.each([
  [integrity, 'ab'.repeat(64)],
  [`sha1-abc sha512-${Buffer.alloc(64, 1).toString('base64')}`, '01'.repeat(64)],
  ['sha1-AAAA', undefined],
  [undefined, undefined],
  ['sha512-AAAA', undefined], // not 64 bytes
])('sha512Hex(%j)', (value, expected) => expect(sha512Hex(value)).toBe(expected));

test.each([
  ['MIT', 'MIT'],
  ['(MIT OR CC0-1.0)', '(MIT OR CC0-1.0)'],
  ['Apache-2.0 WITH LLVM-exception', 'Apache-2.0 WITH LLVM-exception'],
  ['SEE LICENSE IN LICENSE.txt', 'NOASSERTION'],
  ['(MIT OR', 'NOASSERTION'],
  ['MIT AND (BSD-2-Clause OR ISC)', 'MIT AND (BSD-2-Clause OR ISC)'],
  ['MIT/X11', 'NOASSERTION'],
  [undefined, 'NOASSERTION'],
  ['', 'NOASSERTION'],
])('spdxLicense(%j) = %j', (value, expected) => expect(spdxLicense(value)).toBe(expected));

test('purls', () => {
  expect(npmPurl('@noble/curves', '2.0.1')).toBe('pkg:npm/%40noble/curves@2.0.1');
  expect(npmPurl('fastify', '5.1.0')).toBe('pkg:npm/fastify@5.1.0');
  expect(debianPurl({ name: 'libssl3', version: '3.0.19-1~deb12u2', arch: 'amd64' })).toBe('pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64');
});

test('the same input gives the same bytes; the namespace changes with the content and the commit', () => {
  expect(sbomText(makeSbom(input()))).toBe(sbomText(makeSbom(input())));
  const namespace = makeSbom(input()).documentNamespace;
  expect(makeSbom(input({ commit: 'beef' })).documentNamespace).not.toBe(namespace);
  expect(makeSbom(input({ files: input().files.slice(1) })).documentNamespace).not.toBe(namespace);
  expect(makeSbom(input()).creationInfo.created).toBe('2023-11-14T22:13:20Z');
});

test('files are sorted with SHA-1 and SHA-256; the relationships say what contains, depends on and links what', () => {
  const sbom = makeSbom(input({ debian: [{ name: 'libc6', version: '2.36-9', arch: 'amd64' }] }));
  expect(sbom.files.map((file) => file.fileName)).toEqual(['./r4-0.1.0/a.js', './r4-0.1.0/b.js']);
  expect(sbom.files[0]?.checksums.map((checksum) => checksum.algorithm)).toEqual(['SHA1', 'SHA256']);
  const relation = (from: string, type: string, to: string) => ({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });
  expect(sbom.relationships).toEqual(
    expect.arrayContaining([
      relation('SPDXRef-DOCUMENT', 'DESCRIBES', 'SPDXRef-Package-r4'),
      relation('SPDXRef-Package-r4', 'CONTAINS', 'SPDXRef-Package-re4-dump'),
      relation('SPDXRef-Package-re4-dump', 'STATIC_LINK', 'SPDXRef-Package-openssl'),
      relation('SPDXRef-Package-r4', 'DEPENDS_ON', 'SPDXRef-Package-npm-scope-x'),
      relation('SPDXRef-Package-npm-scope-x', 'DEPENDS_ON', 'SPDXRef-Package-npm-y'),
      relation('SPDXRef-Package-r4', 'DEPENDS_ON', 'SPDXRef-Package-nodejs'),
      relation('SPDXRef-Package-r4', 'CONTAINS', 'SPDXRef-Package-deb-libc6-amd64'),
    ]),
  );
  const x = sbom.packages.find((pkg) => pkg.name === '@scope/x');
  expect(x?.checksums).toEqual([{ algorithm: 'SHA512', checksumValue: 'ab'.repeat(64) }]);
  expect(sbom.packages.find((pkg) => pkg.name === 'y')?.checksums).toBeUndefined();
});

test.each([
  ['a dependency outside the SBOM', input({ npm: [{ ...input().npm[1]!, dependencies: ['node_modules/z'] }], npmRoots: [] }), 'not in the SBOM'],
  ['a root outside the SBOM', input({ npmRoots: ['node_modules/z'] }), 'not in the SBOM'],
  ['a file name JSON must escape', input({ files: [{ path: 'r4/a"b', sha1: '', sha256: '' }] }), 'cannot carry'],
  ['two packages with one id', input({ npm: [{ ...input().npm[0]!, dependencies: [] }, { ...input().npm[1]!, lockPath: 'node_modules/scope/x', dependencies: [] }], npmRoots: [] }), 'two SBOM elements'],
])('refuses %s', (_, bad, message) => expect(() => makeSbom(bad)).toThrow(message));
