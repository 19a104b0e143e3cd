import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap, V1Pod, V1Secret, V1Volume } from '@kubernetes/client-node';
import { writeAtomically, type Payload } from './atomic-writer.js';
import { envWithMounts, materializeVolumes, volumeReferences, volumesReferencing, writeVolume, type VolumeSources } from './volumes.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sources: VolumeSources = {
  secret: async (name) => (name === 'keys' ? { data: { 'api-keys': b64('demo\n'), other: b64('x') } } : undefined),
  configMap: async (name): Promise<V1ConfigMap | undefined> =>
    name === 'cfg' ? { data: { 'a.conf': 'x=1' } } : name === 'kube-root-ca.crt' ? { data: { 'ca.crt': 'CA' } } : undefined,
  token: async (serviceAccount, audience, expirationSeconds) => `token-for-${serviceAccount}-${audience ?? 'api'}-${expirationSeconds}`,
};
const pod = (volumes: NonNullable<V1Pod['spec']>['volumes']): V1Pod => ({ spec: { containers: [], volumes } });

describe('pod volumes in the harness', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'r4-volumes-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('secret, configMap and emptyDir volumes become directories with their files', async () => {
    const result = await materializeVolumes(
      pod([
        { name: 'k', secret: { secretName: 'keys', items: [{ key: 'api-keys', path: 'keys.txt' }], defaultMode: 0o400 } },
        { name: 'c', configMap: { name: 'cfg' } },
        { name: 'tmp', emptyDir: {} },
      ]),
      dir,
      sources,
    );
    if ('error' in result) throw new Error(result.error);
    expect(readFileSync(join(result.dirs.get('k') as string, 'keys.txt'), 'utf8')).toBe('demo\n');
    expect(statSync(join(result.dirs.get('k') as string, 'keys.txt')).mode & 0o777).toBe(0o400);
    expect(readFileSync(join(result.dirs.get('c') as string, 'a.conf'), 'utf8')).toBe('x=1');
    expect(statSync(result.dirs.get('tmp') as string).isDirectory()).toBe(true);
  });

  test('the projected service-account volume every pod gets: token, CA and namespace', async () => {
    const p = pod([
      {
        name: 'kube-api-access',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    p.metadata = { name: 'p', namespace: 'team' };
    p.spec = { ...p.spec, containers: [], serviceAccountName: 'worker' };
    const result = await materializeVolumes(p, dir, sources);
    if ('error' in result) throw new Error(result.error);
    const volume = result.dirs.get('kube-api-access') as string;
    expect(readFileSync(join(volume, 'token'), 'utf8')).toBe('token-for-worker-api-3607');
    expect(readFileSync(join(volume, 'ca.crt'), 'utf8')).toBe('CA');
    expect(readFileSync(join(volume, 'namespace'), 'utf8')).toBe('team');
  });

  test('a missing secret, a missing key and an unsupported volume are clear errors', async () => {
    await expect(materializeVolumes(pod([{ name: 'k', secret: { secretName: 'nope' } }]), dir, sources)).resolves.toEqual({ error: 'volume k: secret "nope" not found' });
    await expect(materializeVolumes(pod([{ name: 'k', secret: { secretName: 'keys', items: [{ key: 'x', path: 'x' }] } }]), dir, sources)).resolves.toEqual({
      error: 'volume k: key x not found in secret "keys"',
    });
    await expect(materializeVolumes(pod([{ name: 'h', hostPath: { path: '/etc' } }]), dir, sources)).resolves.toMatchObject({ error: expect.stringContaining('only secret, configMap, emptyDir and projected') });
    await expect(materializeVolumes(pod([{ name: 'k', secret: { secretName: 'nope', optional: true } }]), dir, sources)).resolves.toHaveProperty('dirs');
  });

  test('env paths under a mount point at the volume; /tmp becomes TMPDIR', () => {
    const dirs = new Map([
      ['keys', '/pods/p/volumes/keys'],
      ['tmp', '/pods/p/volumes/tmp'],
    ]);
    const container = { name: 'c', volumeMounts: [{ name: 'keys', mountPath: '/etc/r4/keys' }, { name: 'tmp', mountPath: '/tmp' }] };
    expect(envWithMounts(container, dirs, { API_KEYS_FILE: '/etc/r4/keys/api-keys', OTHER: '/etc/r4/keysfake', PORT: '8080' })).toEqual({
      API_KEYS_FILE: '/pods/p/volumes/keys/api-keys',
      OTHER: '/etc/r4/keysfake',
      PORT: '8080',
      TMPDIR: '/pods/p/volumes/tmp',
    });
  });

  test('the secret of a volume that is only projected is fetched too', () => {
    const volumes: V1Volume[] = [
      { name: 'k', secret: { secretName: 'keys' } },
      { name: 'c', configMap: { name: 'cfg' } },
      { name: 'p', projected: { sources: [{ secret: { name: 'tls' } }, { configMap: { name: 'cfg' } }, { serviceAccountToken: { path: 'token' } }] } },
      { name: 'tmp', emptyDir: {} },
    ];
    expect(volumeReferences(volumes)).toEqual({ secrets: ['keys', 'tls'], configMaps: ['cfg'] });
    expect(volumesReferencing(pod(volumes), 'configmap', 'cfg').map((v) => v.name)).toEqual(['c', 'p']);
    expect(volumesReferencing(pod(volumes), 'secret', 'cfg')).toEqual([]);
  });
});

describe('Secret and ConfigMap volumes written as the kubelet\'s AtomicWriter writes them', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'r4-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Sources whose Secret "tls" the test changes between writes. */
  const changing = (secret: () => V1Secret | undefined): VolumeSources => ({ ...sources, secret: async (name) => (name === 'tls' ? secret() : undefined) });
  const tls = (data: Record<string, string>): V1Secret => ({ data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });
  const versionDirs = (volume: string) => readdirSync(volume).filter((name) => /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./.test(name));
  const isSymlink = (path: string) => lstatSync(path).isSymbolicLink();

  test('first write: a version directory, ..data pointing at it, a symlink per top-level name, modes as asked', async () => {
    const volume: V1Volume = {
      name: 'tls',
      secret: { secretName: 'tls', defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'certs/tls.crt' }, { key: 'tls.key', path: 'tls.key', mode: 0o400 }] },
    };
    const path = join(dir, 'tls');
    await expect(writeVolume(pod([volume]), volume, path, changing(() => tls({ 'tls.crt': 'CERT', 'tls.key': 'KEY' })))).resolves.toEqual({ written: true });

    const [version] = versionDirs(path);
    expect(readdirSync(path).sort()).toEqual(['..data', version, 'certs', 'tls.key'].sort());
    expect(readlinkSync(join(path, '..data'))).toBe(version);
    expect(readlinkSync(join(path, 'certs'))).toBe('..data/certs');
    expect(readlinkSync(join(path, 'tls.key'))).toBe('..data/tls.key');
    expect(lstatSync(join(path, version as string)).isDirectory()).toBe(true);
    expect(statSync(join(path, version as string)).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(path, 'certs', 'tls.crt'), 'utf8')).toBe('CERT');
    expect(readFileSync(join(path, 'tls.key'), 'utf8')).toBe('KEY');
    expect(statSync(join(path, 'certs', 'tls.crt')).mode & 0o777).toBe(0o440);
    expect(statSync(join(path, 'tls.key')).mode & 0o777).toBe(0o400);
  });

  test('an update: changed, removed and added keys read back new, the old version is gone, ..data still a symlink', async () => {
    let current = tls({ 'tls.crt': 'CERT-1', 'tls.key': 'KEY-1', 'old.pem': 'OLD' });
    const volume: V1Volume = { name: 'tls', secret: { secretName: 'tls' } };
    const path = join(dir, 'tls');
    await writeVolume(pod([volume]), volume, path, changing(() => current));
    const [first] = versionDirs(path);

    current = tls({ 'tls.crt': 'CERT-2', 'tls.key': 'KEY-1', 'ca.crt': 'CA-2' });
    await expect(writeVolume(pod([volume]), volume, path, changing(() => current))).resolves.toEqual({ written: true });

    const versions = versionDirs(path);
    expect(versions).toHaveLength(1);
    expect(versions).not.toContain(first);
    expect(isSymlink(join(path, '..data'))).toBe(true);
    expect(readlinkSync(join(path, '..data'))).toBe(versions[0]);
    expect(readdirSync(path).filter((name) => !name.startsWith('..')).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(['ca.crt', 'tls.crt', 'tls.key'].every((key) => isSymlink(join(path, key)))).toBe(true);
    expect(readFileSync(join(path, 'tls.crt'), 'utf8')).toBe('CERT-2');
    expect(readFileSync(join(path, 'tls.key'), 'utf8')).toBe('KEY-1');
    expect(readFileSync(join(path, 'ca.crt'), 'utf8')).toBe('CA-2');
    expect(readdirSync(path)).not.toContain('old.pem');
    expect(readdirSync(path)).not.toContain('..data_tmp');
  });

  test('the same content again writes nothing; a missing Secret leaves the last version as it was', async () => {
    let current: V1Secret | undefined = tls({ key: 'K' });
    const volume: V1Volume = { name: 'k', secret: { secretName: 'tls' } };
    const path = join(dir, 'k');
    await writeVolume(pod([volume]), volume, path, changing(() => current));
    const before = versionDirs(path);
    await expect(writeVolume(pod([volume]), volume, path, changing(() => ({ ...current, metadata: { labels: { touched: 'yes' } } })))).resolves.toEqual({ written: false });
    current = undefined;
    await expect(writeVolume(pod([volume]), volume, path, changing(() => current))).resolves.toEqual({ error: 'volume k: secret "tls" not found' });
    expect(versionDirs(path)).toEqual(before);
    expect(readFileSync(join(path, 'key'), 'utf8')).toBe('K');
  });

  test('paths the writer keeps for itself are refused', async () => {
    const volume: V1Volume = { name: 'k', secret: { secretName: 'tls', items: [{ key: 'key', path: '..data' }] } };
    await expect(writeVolume(pod([volume]), volume, join(dir, 'k'), changing(() => tls({ key: 'K' })))).resolves.toEqual({
      error: 'volume k: path ..data must not start with ".." in secret "tls"',
    });
  });

  test('a reader never sees two keys of different versions, however fast the updates come', async () => {
    const path = join(dir, 'v');
    // Large enough that writing one version takes a while; both keys always carry the same version.
    const filler = 'x'.repeat(256 * 1024);
    const payload = (version: number): Payload => {
      const file = { content: Buffer.from(`${version}:${filler}`), mode: 0o644 };
      return new Map([
        ['a', file],
        ['b', file],
      ]);
    };
    await writeAtomically(path, payload(0));
    const updates = 150;
    let writing = true;
    const seen = { consistent: 0, replacedMeanwhile: 0, mixed: [] as string[], torn: [] as string[] };
    const versionOf = (text: string) => text.slice(0, text.indexOf(':'));
    const reader = (async () => {
      while (writing) {
        try {
          // Both keys of one version, as a consumer reads them: resolve ..data once, read below it.
          const version = await readlink(join(path, '..data'));
          const [a, b] = await Promise.all([readFile(join(path, version, 'a'), 'utf8'), readFile(join(path, version, 'b'), 'utf8')]);
          if (a === b) seen.consistent++;
          else seen.mixed.push(`${versionOf(a)} and ${versionOf(b)}`);
          // One key through its own symlink: always a whole file.
          const single = await readFile(join(path, 'a'), 'utf8');
          if (single !== `${versionOf(single)}:${filler}`) seen.torn.push(versionOf(single));
        } catch (error) {
          // The version resolved was replaced and removed before its files were read: read again.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          seen.replacedMeanwhile++;
        }
      }
    })();
    for (let version = 1; version <= updates; version++) await writeAtomically(path, payload(version));
    writing = false;
    await reader;

    expect(seen.mixed).toEqual([]);
    expect(seen.torn).toEqual([]);
    expect(seen.consistent).toBeGreaterThan(0);
    expect(versionDirs(path)).toHaveLength(1);
    expect(versionOf(readFileSync(join(path, 'b'), 'utf8'))).toBe(String(updates));
  });
});
