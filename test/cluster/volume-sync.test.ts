// Secrets and ConfigMaps reach running pods as they change, as with a real kubelet: a rotated certificate
// lands in the pod's volume within seconds, laid out as the kubelet's AtomicWriter lays it out, without a
// restart; a deleted Secret leaves its last content.
import type { V1Pod } from '@kubernetes/client-node';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { useLocalCluster } from './jest-cluster.js';
import { waitFor } from '../support/wait-for.js';

const local = useLocalCluster();

/** Every path's content, or null where there is no file (a removed key). */
function contents(dir: string, paths: string[]): Record<string, string | null> {
  return Object.fromEntries(paths.map((path) => [path, existsSync(join(dir, path)) ? readFileSync(join(dir, path), 'utf8') : null]));
}

const reader: V1Pod = {
  metadata: { name: 'reader' },
  spec: {
    terminationGracePeriodSeconds: 5,
    containers: [
      {
        name: 'main',
        image: 'echo-server',
        volumeMounts: [
          { name: 'tls', mountPath: '/etc/tls', readOnly: true },
          { name: 'settings', mountPath: '/etc/settings', readOnly: true },
          { name: 'bundle', mountPath: '/etc/bundle', readOnly: true },
        ],
      },
    ],
    volumes: [
      { name: 'tls', secret: { secretName: 'tls' } },
      { name: 'settings', configMap: { name: 'settings' } },
      { name: 'bundle', projected: { sources: [{ secret: { name: 'tls', items: [{ key: 'tls.crt', path: 'certs/tls.crt' }] } }, { configMap: { name: 'settings' } }] } },
    ],
  },
};

local.test('a changed Secret or ConfigMap reaches the running pod\'s volumes within seconds; a deleted one leaves them as they were', async ({ cluster, clients, namespace }) => {
  const { core } = clients;
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'tls' }, stringData: { 'tls.crt': 'cert-1', 'tls.key': 'key-1' } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'settings' }, data: { 'mode.conf': 'mode=1' } } });
  await core.createNamespacedPod({ namespace, body: reader });
  const running = await waitFor(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'reader', namespace });
      return { ok: pod.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.state?.running !== undefined, state: pod };
    },
    60_000,
    'pod reader to be Running',
  );
  const volumes = join(cluster.podDir(running.metadata?.uid ?? ''), 'volumes');
  const tls = join(volumes, 'tls');
  expect(contents(tls, ['tls.crt', 'tls.key'])).toEqual({ 'tls.crt': 'cert-1', 'tls.key': 'key-1' });
  const firstVersion = readlinkSync(join(tls, '..data'));
  expect(firstVersion).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);

  // Rotation: a changed key, a removed one, an added one.
  await core.replaceNamespacedSecret({ name: 'tls', namespace, body: { metadata: { name: 'tls' }, stringData: { 'tls.crt': 'cert-2', 'ca.crt': 'ca-2' } } });
  await waitFor(
    async () => {
      const seen = { tls: contents(tls, ['tls.crt', 'tls.key', 'ca.crt']), bundle: contents(join(volumes, 'bundle'), ['certs/tls.crt', 'mode.conf']) };
      const ok = seen.tls['tls.crt'] === 'cert-2' && seen.tls['tls.key'] === null && seen.tls['ca.crt'] === 'ca-2' && seen.bundle['certs/tls.crt'] === 'cert-2';
      return { ok, state: seen };
    },
    5000,
    'the rotated Secret in volumes tls and bundle',
  );
  expect(lstatSync(join(tls, '..data')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(tls, '..data'))).not.toBe(firstVersion);
  expect(existsSync(join(tls, firstVersion))).toBe(false);
  expect(readlinkSync(join(tls, 'tls.crt'))).toBe('..data/tls.crt');
  expect(readlinkSync(join(volumes, 'bundle', 'certs'))).toBe('..data/certs');
  expect(contents(join(volumes, 'bundle'), ['mode.conf'])).toEqual({ 'mode.conf': 'mode=1' });

  await core.replaceNamespacedConfigMap({ name: 'settings', namespace, body: { metadata: { name: 'settings' }, data: { 'mode.conf': 'mode=2' } } });
  await waitFor(
    async () => {
      const seen = { settings: contents(join(volumes, 'settings'), ['mode.conf']), bundle: contents(join(volumes, 'bundle'), ['mode.conf', 'certs/tls.crt']) };
      return { ok: seen.settings['mode.conf'] === 'mode=2' && seen.bundle['mode.conf'] === 'mode=2' && seen.bundle['certs/tls.crt'] === 'cert-2', state: seen };
    },
    5000,
    'the changed ConfigMap in volumes settings and bundle',
  );

  // The kubelet keeps a deleted Secret's last content: give it time to do otherwise, then look.
  await core.deleteNamespacedSecret({ name: 'tls', namespace });
  await sleep(2000);
  expect(contents(tls, ['tls.crt', 'ca.crt'])).toEqual({ 'tls.crt': 'cert-2', 'ca.crt': 'ca-2' });

  // All of it without a restart; the kubelet's log names each rewrite, never what was written.
  const after = await core.readNamespacedPod({ name: 'reader', namespace });
  expect(after.status?.containerStatuses?.[0]).toMatchObject({ restartCount: 0, containerID: running.status?.containerStatuses?.[0]?.containerID });
  const log = readFileSync(join(cluster.dir, 'logs', `kubelet-${cluster.nodes[0]}.log`), 'utf8');
  expect(log).toContain(`${namespace}/reader: volume tls rewritten (secret "tls" changed)`);
  expect(log).toContain(`${namespace}/reader: volume settings rewritten (configmap "settings" changed)`);
  expect(log).not.toMatch(/cert-\d|key-\d|ca-2|mode=\d/);

  await core.deleteNamespacedPod({ name: 'reader', namespace });
  await waitFor(async () => ({ ok: !existsSync(volumes), state: volumes }), 30_000, `the pod's directory ${volumes} to be removed with the pod`);
});
