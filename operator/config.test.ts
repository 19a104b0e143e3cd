import { loadConfig } from './config.js';

const base = { R4_DEFAULT_IMAGE: 'r4:0.1.0', R4_DEFAULT_IMAGE_DIGEST: `sha256:${'d'.repeat(64)}`, R4_DEFAULT_CORE_SHA256: 'a'.repeat(64) };

describe('loadConfig: namespaces and image repositories', () => {
  test.each<[string, Record<string, string>, string[], string[]]>([
    ['defaults: every namespace, the default image\'s repository only', {}, [], ['r4']],
    ['several namespaces', { WATCH_NAMESPACE: 'team-a, team-b' }, ['team-a', 'team-b'], ['r4']],
    ['a registry with a port', { R4_DEFAULT_IMAGE: 'registry.example:5000/r4/service:1.0' }, [], ['registry.example:5000/r4/service']],
    ['an explicit list, with a prefix', { R4_ALLOWED_IMAGE_REPOSITORIES: 'r4,registry.example/team/*' }, [], ['r4', 'registry.example/team/*']],
  ])('%s', (_case, env, namespaces, repositories) => {
    const config = loadConfig({ ...base, ...env });
    expect(config.watchNamespaces).toEqual(namespaces);
    expect(config.allowedImageRepositories).toEqual(repositories);
  });

  test.each([
    [{ WATCH_NAMESPACE: 'Team_A' }, /WATCH_NAMESPACE: "Team_A" is not a namespace name/],
    [{ R4_ALLOWED_IMAGE_REPOSITORIES: 'r4:1.0' }, /"r4:1.0" is not a repository/],
    [{ R4_ALLOWED_IMAGE_REPOSITORIES: `r4@sha256:${'a'.repeat(64)}` }, /is not a repository/],
  ])('%j is refused', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});

describe('loadConfig: the dashboard', () => {
  test('listens on 0.0.0.0:8082 by default, without a token', () => {
    expect(loadConfig(base)).toMatchObject({ dashboardHost: '0.0.0.0', dashboardPort: 8082, dashboardTokenFile: undefined });
  });

  test('DASHBOARD_PORT=off turns it off', () => {
    expect(loadConfig({ ...base, DASHBOARD_PORT: 'off' }).dashboardPort).toBeUndefined();
  });

  test.each([
    [{ DASHBOARD_PORT: '70000' }, /DASHBOARD_PORT must be an integer from 0 to 65535/],
    [{ DASHBOARD_PORT: 'on' }, /DASHBOARD_PORT must be an integer/],
    [{ DASHBOARD_TOKEN_FILE: '/nonexistent/token' }, /DASHBOARD_TOKEN_FILE: \/nonexistent\/token does not exist/],
  ])('%j is refused', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});

describe('loadConfig: the core that makes VRF keys', () => {
  test('defaults to the checkout\'s native/build core and manifest; R4_CORE_PATH and R4_MANIFEST_PATH override them', () => {
    const defaults = loadConfig(base);
    expect(defaults.corePath).toMatch(/\/native\/build\/re4_dump$/);
    expect(defaults.manifestPath).toMatch(/\/native\/build\/manifest\.json$/);
    expect(defaults.corePath.replace(/native\/build\/re4_dump$/, 'package.json')).toBe(defaults.manifestPath.replace(/native\/build\/manifest\.json$/, 'package.json'));
    const set = loadConfig({ ...base, R4_CORE_PATH: '/app/runtime/bin/re4_dump', R4_MANIFEST_PATH: '/app/selftest/manifest.json' });
    expect([set.corePath, set.manifestPath]).toEqual(['/app/runtime/bin/re4_dump', '/app/selftest/manifest.json']);
  });
});

describe('loadConfig: the API server budget', () => {
  test('50 requests per second after a burst of 100 by default; API_QPS and API_BURST set them', () => {
    expect(loadConfig(base)).toMatchObject({ apiQps: 50, apiBurst: 100 });
    expect(loadConfig({ ...base, API_QPS: '5', API_BURST: '10' })).toMatchObject({ apiQps: 5, apiBurst: 10 });
  });

  test.each([[{ API_QPS: '0' }], [{ API_BURST: 'many' }]])('%j is refused', (env) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(/API_(QPS|BURST) must be an integer from 1 to 10000/);
  });
});
