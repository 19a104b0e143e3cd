// Containers get the environment the kubelet would build: sources in order, references expanded,
// and a missing Secret or ConfigMap reported with the kubelet's own words.
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { containerEnv, expandReferences, referencedSources, type EnvSources } from './container-env.js';

const pod: V1Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
  spec: { nodeName: 'r4-node-1', containers: [] },
  status: { podIP: '10.244.0.7' },
};
const secret: V1Secret = { metadata: { name: 'keys' }, data: { API_KEY: Buffer.from('s3cret').toString('base64') } };
const configMap: V1ConfigMap = { metadata: { name: 'settings' }, data: { MODE: 'strict', PORT: '9000' } };
const sources: EnvSources = { secrets: new Map([['keys', secret]]), configMaps: new Map([['settings', configMap]]) };

test('envFrom, then env in order, with downward API fields and $(VAR) expansion', () => {
  const container: V1Container = {
    name: 'main',
    envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { secretRef: { name: 'keys' } }],
    env: [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'URL', value: 'http://$(POD_IP):$(CFG_PORT)/$(NOPE) costs $$5' },
      { name: 'KEY_COPY', valueFrom: { secretKeyRef: { name: 'keys', key: 'API_KEY' } } },
    ],
  };
  expect(containerEnv(pod, container, sources)).toEqual({
    env: {
      CFG_MODE: 'strict',
      CFG_PORT: '9000',
      API_KEY: 's3cret',
      POD_IP: '10.244.0.7',
      APP: 'web',
      URL: 'http://10.244.0.7:9000/$(NOPE) costs $5',
      KEY_COPY: 's3cret',
    },
  });
});

test('missing sources fail like the kubelet, unless optional', () => {
  const missingSecret: V1Container = { name: 'm', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }] };
  expect(containerEnv(pod, missingSecret, sources)).toEqual({ error: 'secret "absent" not found' });
  const missingKey: V1Container = { name: 'm', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope' } } }] };
  expect(containerEnv(pod, missingKey, sources)).toEqual({ error: "couldn't find key nope in ConfigMap shop/settings" });
  const optional: V1Container = { name: 'm', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k', optional: true } } }] };
  expect(containerEnv(pod, optional, sources)).toEqual({ env: {} });
});

test('referencedSources names what must be fetched', () => {
  const container: V1Container = {
    name: 'm',
    envFrom: [{ secretRef: { name: 'a' } }, { configMapRef: { name: 'b' } }],
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'a', key: 'k' } } }, { name: 'Y', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }],
  };
  expect(referencedSources(container)).toEqual({ secrets: ['a'], configMaps: ['b', 'c'] });
});

test('expandReferences leaves unknown references alone', () => {
  expect(expandReferences('$(A)-$(B)-$$(A)', { A: '1' })).toBe('1-$(B)-$(A)');
});
