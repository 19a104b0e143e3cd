import { refusals, repositoryAllowed, type AdmissionInput } from './admission.js';

const keys = { labels: { 'r4.dev/api-keys': 'true' } };
const base: AdmissionInput = { allowedRepositories: ['r4'], apiKeys: { name: 'keys', secret: keys } };
const reasons = (input: Partial<AdmissionInput>) => refusals({ ...base, ...input }).map((r) => r.reason);

describe('repositoryAllowed', () => {
  test.each([
    ['r4', ['r4'], true],
    ['r4-tampered-core', ['r4'], false],
    ['registry.example/r4', ['r4'], false],
    ['registry.example/team/r4', ['registry.example/team/*'], true],
    ['registry.example/team/sub/r4', ['registry.example/team/*'], true],
    ['registry.example/teamx/r4', ['registry.example/team/*'], false],
    ['registry.example/team', ['registry.example/team/*'], false],
    ['r4', [], false],
  ] as const)('%s in %j: %s', (repository, allowed, expected) => {
    expect(repositoryAllowed(repository, allowed)).toBe(expected);
  });
});

describe('refusals', () => {
  test.each<[string, Partial<AdmissionInput>, string[]]>([
    ['the default image and a labelled key Secret', {}, []],
    ['an allowed image, any tag or digest', { image: `r4:9.9@sha256:${'a'.repeat(64)}` }, []],
    ['an image from another repository', { image: 'evil/miner:1' }, ['ImageNotAllowed']],
    ['a registry port is not a tag', { image: 'registry:5000/r4:1', allowedRepositories: ['registry:5000/r4'] }, []],
    ['a key Secret without the label', { apiKeys: { name: 'keys', secret: { labels: { 'r4.dev/api-keys': 'yes' } } } }, ['SecretNotAllowed']],
    ['a key Secret that does not exist', { apiKeys: { name: 'keys', secret: undefined } }, ['SecretNotAllowed']],
    ['a TLS Secret labelled r4.dev/tls', { tls: { user: { name: 'cert', secret: { labels: { 'r4.dev/tls': 'true' } } } } }, []],
    ['a TLS Secret of cert-manager', { tls: { user: { name: 'cert', secret: { annotations: { 'cert-manager.io/certificate-name': 'demo' } } } } }, []],
    ['any other TLS Secret', { tls: { user: { name: 'db-password', secret: { labels: { app: 'db' } } } } }, ['SecretNotAllowed']],
    ['a TLS Secret that does not exist', { tls: { user: { name: 'cert', secret: undefined } } }, ['SecretNotAllowed']],
    ['the operator-issued certificate Secret, this appliance\'s', { tls: { issued: { name: 'demo-tls', ownership: 'owned' } } }, []],
    ['the operator-issued certificate Secret, not yet made', { tls: { issued: { name: 'demo-tls', ownership: 'absent' } } }, []],
    ['a foreign Secret with the issued certificate\'s name', { tls: { issued: { name: 'demo-tls', ownership: 'foreign' } } }, ['ChildConflict']],
    ['every problem at once', { image: 'evil/miner', apiKeys: { name: 'keys', secret: {} }, tls: { user: { name: 'x', secret: {} } } }, ['ImageNotAllowed', 'SecretNotAllowed', 'SecretNotAllowed']],
  ])('%s', (_case, input, expected) => {
    expect(reasons(input)).toEqual(expected);
  });

  test('messages name the Secret, the label and the allowed repositories', () => {
    const [image, secret] = refusals({ ...base, image: 'evil/miner:1', apiKeys: { name: 'db-creds', secret: {} } });
    expect(image?.message).toBe('spec.image repository "evil/miner" is not one the operator may run (allowed: r4)');
    expect(secret?.message).toBe('Secret db-creds (spec.apiKeySecretRef) is not labelled r4.dev/api-keys: "true"; it is not mounted');
    const [conflict] = refusals({ ...base, tls: { issued: { name: 'demo-tls', ownership: 'foreign' } } });
    expect(conflict?.message).toBe("Secret demo-tls exists and is not this appliance's (no owner reference to it): left alone; its certificate is not served");
  });
});
