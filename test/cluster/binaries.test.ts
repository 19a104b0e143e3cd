// The pinned versions are read from bins/versions.env, the file build.sh builds from.
import { parseVersionsEnv, pinnedVersions } from './binaries.js';

test('parses KEY=value lines and ignores comments', () => {
  expect(parseVersionsEnv('# note\nK8S_VERSION=v1.36.3\n\nETCD_VERSION=v3.6.16\nHELM_VERSION=v4.3.1\nKUBE_ROUTER_VERSION=v2.1.0\n')).toEqual({
    kubernetes: 'v1.36.3',
    etcd: 'v3.6.16',
    helm: 'v4.3.1',
    kubeRouter: 'v2.1.0',
  });
});

test('a missing key is an error that names the file', () => {
  expect(() => parseVersionsEnv('K8S_VERSION=v1.36.3')).toThrow(/versions\.env has no ETCD_VERSION/);
});

test('the checked-in pins are v1.36.x, etcd 3.6.x, a helm release and a kube-router v2 release', () => {
  const pins = pinnedVersions();
  expect(pins.kubernetes).toMatch(/^v1\.36\.\d+$/);
  expect(pins.etcd).toMatch(/^v3\.6\.\d+$/);
  expect(pins.helm).toMatch(/^v[34]\.\d+\.\d+$/);
  expect(pins.kubeRouter).toMatch(/^v2\.\d+\.\d+$/);
});
