import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { envWithMounts, materializeVolumes, type VolumeSources } from './volumes.js';

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
});
