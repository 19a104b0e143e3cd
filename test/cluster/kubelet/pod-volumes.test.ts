import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { waitFor } from '../../support/wait-for.js';
import { PodVolumes, type PodVolumesContext } from './pod-volumes.js';

const secret = (key: string, value: string): V1Secret => ({ data: { [key]: Buffer.from(value).toString('base64') } });

/** The API server as the pod's volumes see it: objects the test changes, each read taking a moment. */
function fakeCluster() {
  const secrets = new Map<string, V1Secret>([['tls', secret('tls.crt', 'CERT-1')]]);
  const configMaps = new Map<string, V1ConfigMap>([['kube-root-ca.crt', { data: { 'ca.crt': 'CA-1' } }]]);
  const seen = { lines: [] as string[], tokenRequests: 0, reads: 0, readsInFlight: 0, mostReadsInFlight: 0 };
  const pick = <T>(from: Map<string, T>, names: string[]) => new Map(names.flatMap((name) => (from.has(name) ? [[name, from.get(name) as T] as const] : [])));
  const context: PodVolumesContext = {
    async envSources(_namespace, refs) {
      seen.reads++;
      seen.mostReadsInFlight = Math.max(seen.mostReadsInFlight, ++seen.readsInFlight);
      await sleep(20);
      seen.readsInFlight--;
      return { secrets: pick(secrets, refs.secrets), configMaps: pick(configMaps, refs.configMaps) };
    },
    serviceAccountToken: async () => `token-${++seen.tokenRequests}`,
    log: (line) => seen.lines.push(line),
  };
  return { secrets, configMaps, seen, context };
}

const pod: V1Pod = {
  metadata: { name: 'web', namespace: 'team' },
  spec: {
    containers: [],
    volumes: [
      { name: 'tls', secret: { secretName: 'tls' } },
      {
        name: 'kube-api-access',
        projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] },
      },
      { name: 'tmp', emptyDir: {} },
    ],
  },
};

describe('a pod\'s volumes kept in sync with their Secrets and ConfigMaps', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'r4-pod-volumes-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (volume: string, file: string) => readFileSync(join(dir, 'volumes', volume, file), 'utf8');
  const until = (volume: string, file: string, content: string) =>
    waitFor(async () => ({ ok: read(volume, file) === content, state: read(volume, file) }), 5000, `${volume}/${file} to read ${content}`);

  test('a burst of changes: one write at a time, the last content wins, one log line per write and no content in it', async () => {
    const cluster = fakeCluster();
    const volumes = new PodVolumes(pod, dir, cluster.context);
    const mounted = volumes.mount();
    // A change while the pod's volumes are first written waits for that write.
    cluster.secrets.set('tls', secret('tls.crt', 'CERT-2'));
    volumes.changed('secret', 'tls');
    expect(await mounted).toHaveProperty('dirs');
    await until('tls', 'tls.crt', 'CERT-2');

    for (let version = 3; version <= 12; version++) {
      cluster.secrets.set('tls', secret('tls.crt', `CERT-${version}`));
      volumes.changed('secret', 'tls');
      await sleep(5);
    }
    await until('tls', 'tls.crt', 'CERT-12');
    await volumes.stop();

    expect(cluster.seen.mostReadsInFlight).toBe(1);
    // Changes that came while a write was queued were covered by it: fewer writes than changes.
    const rewrites = cluster.seen.lines.filter((line) => line.includes('volume tls rewritten'));
    expect(rewrites.length).toBeGreaterThan(0);
    expect(rewrites.length).toBeLessThan(11);
    expect(rewrites[0]).toBe('team/web: volume tls rewritten (secret "tls" changed)');
    expect(cluster.seen.lines.join('\n')).not.toMatch(/CERT-/);
    expect(readdirSync(join(dir, 'volumes', 'tls')).filter((name) => name.startsWith('..2'))).toHaveLength(1);
  });

  test('a changed ConfigMap rewrites the projected volume with the same token; other volumes are left alone', async () => {
    const cluster = fakeCluster();
    const volumes = new PodVolumes(pod, dir, cluster.context);
    expect(await volumes.mount()).toHaveProperty('dirs');
    const reads = cluster.seen.reads;
    volumes.changed('configmap', 'unrelated');
    cluster.configMaps.set('kube-root-ca.crt', { data: { 'ca.crt': 'CA-2' } });
    volumes.changed('configmap', 'kube-root-ca.crt');
    await until('kube-api-access', 'ca.crt', 'CA-2');
    await volumes.stop();
    expect(read('kube-api-access', 'token')).toBe('token-1');
    expect(cluster.seen.tokenRequests).toBe(1);
    expect(cluster.seen.reads).toBe(reads + 1);
    expect(cluster.seen.lines).toEqual(['team/web: volume kube-api-access rewritten (configmap "kube-root-ca.crt" changed)']);
  });

  test('a Secret gone from the API server leaves its last content; after stop nothing is written', async () => {
    const cluster = fakeCluster();
    const volumes = new PodVolumes(pod, dir, cluster.context);
    expect(await volumes.mount()).toHaveProperty('dirs');
    cluster.secrets.delete('tls');
    volumes.changed('secret', 'tls');
    await waitFor(async () => ({ ok: cluster.seen.lines.length > 0, state: cluster.seen.lines }), 5000, 'a log line about volume tls');
    expect(cluster.seen.lines).toEqual(['team/web: volume tls: secret "tls" not found; the volume keeps its last content']);
    expect(read('tls', 'tls.crt')).toBe('CERT-1');

    await volumes.stop();
    cluster.secrets.set('tls', secret('tls.crt', 'CERT-2'));
    volumes.changed('secret', 'tls');
    await sleep(100);
    expect(read('tls', 'tls.crt')).toBe('CERT-1');
  });
});
