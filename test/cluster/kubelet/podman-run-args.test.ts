import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerName, parseQuantity, podmanRunPlan, type PodmanRunInput } from './podman-run-args.js';

/** A pod shaped like the operator's entropy pods (cdk8s/entropy-workload.ts). */
const entropyContainer: V1Container = {
  name: 'entropy',
  image: 'r4:test',
  env: [{ name: 'PORT', value: '8080' }],
  securityContext: {
    runAsUser: 65532,
    runAsGroup: 65532,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  resources: { requests: { cpu: '100m', memory: '96Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  volumeMounts: [
    { name: 'api-keys', mountPath: '/etc/r4/keys', readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ],
};

const pod = (container: V1Container, spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({
  metadata: { name: 'demo-1', namespace: 'ns', uid: 'u-1' },
  spec: {
    containers: [container],
    volumes: [
      { name: 'api-keys', secret: { secretName: 'keys' } },
      { name: 'tmp', emptyDir: {} },
    ],
    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
    ...spec,
  },
});

const input = (container: V1Container, overrides: Partial<PodmanRunInput> = {}): PodmanRunInput => ({
  pod: pod(container),
  container,
  env: { PORT: '8080' },
  volumeDirs: new Map([
    ['api-keys', '/c/pods/p/volumes/api-keys'],
    ['tmp', '/c/pods/p/volumes/tmp'],
  ]),
  image: 'abc123',
  imageUser: '65532:65532',
  name: 'k8s_entropy_demo-1_ns_u-1_0',
  labels: { 'dev.r4.cluster': '/c' },
  netns: 'r4-0-3',
  logFile: '/c/logs/ns_demo-1_entropy.log',
  envFile: '/c/pods/p/entropy-0.env',
  ...overrides,
});

function plan(container: V1Container, overrides: Partial<PodmanRunInput> = {}) {
  const result = podmanRunPlan(input(container, overrides));
  if ('error' in result) throw new Error(result.error);
  return result;
}

describe('a pod container as a podman run', () => {
  test('the entropy pod: in the pod netns, hardened as its securityContext says, limits, volumes at their mountPaths', () => {
    const { args, writableDirs } = plan(entropyContainer);
    expect(args.slice(0, 4)).toEqual(['run', '--detach', '--replace', '--pull=never']);
    expect(args).toEqual(
      expect.arrayContaining([
        '--name=k8s_entropy_demo-1_ns_u-1_0',
        '--label=dev.r4.cluster=/c',
        '--network=ns:/run/netns/r4-0-3',
        '--hostname=demo-1',
        '--log-opt=path=/c/logs/ns_demo-1_entropy.log',
        '--stop-timeout=30',
        '--user=65532:65532',
        '--cap-drop=ALL',
        '--security-opt=no-new-privileges',
        '--read-only',
        '--read-only-tmpfs=false',
        `--memory=${256 * 2 ** 20}`,
        `--memory-swap=${256 * 2 ** 20}`,
        '--cpus=1',
        '--cpu-shares=102',
        '--volume=/c/pods/p/volumes/api-keys:/etc/r4/keys:ro',
        '--volume=/c/pods/p/volumes/tmp:/tmp',
        '--env-file=/c/pods/p/entropy-0.env',
      ]),
    );
    // /tmp is the pod's emptyDir, so no tmpfs; the image is last, with no arguments after it.
    expect(args.some((a) => a.startsWith('--tmpfs'))).toBe(false);
    expect(args.at(-1)).toBe('abc123');
    expect(writableDirs).toEqual(['/c/pods/p/volumes/tmp']);
  });

  test('a read-only root without a volume at /tmp gets an executable tmpfs there', () => {
    const { args } = plan({ ...entropyContainer, volumeMounts: [] });
    expect(args).toContain('--tmpfs=/tmp:rw,exec,nosuid,nodev,mode=1777');
  });

  test('a writable root, no securityContext: none of the hardening flags', () => {
    const { args } = plan({ name: 'plain', image: 'x' }, { pod: { metadata: { name: 'p' }, spec: { containers: [] } }, imageUser: '' });
    for (const flag of ['--read-only', '--cap-drop=ALL', '--security-opt=no-new-privileges']) expect(args).not.toContain(flag);
    expect(args.some((a) => a.startsWith('--user') || a.startsWith('--tmpfs') || a.startsWith('--memory'))).toBe(false);
  });

  test('env goes to the env file, except values with line breaks', () => {
    const result = plan(entropyContainer, { env: { A: 'x=y ', B: '', PEM: 'line1\nline2' } });
    expect(result.envFileContent).toBe('A=x=y \nB=\n');
    expect(result.args).toContain('--env=PEM=line1\nline2');
  });

  test('command replaces the entrypoint, args follow the image, $(VAR) expanded', () => {
    const { args } = plan({ ...entropyContainer, command: ['node', '$(SCRIPT)'], args: ['--port', '$(PORT)'] }, { env: { SCRIPT: 'a.js', PORT: '8080' } });
    expect(args).toContain('--entrypoint=["node","a.js"]');
    expect(args.slice(-3)).toEqual(['abc123', '--port', '8080']);
  });

  test('runAsNonRoot is enforced as the kubelet does', () => {
    const rootImage = podmanRunPlan(input({ name: 'c', securityContext: { runAsNonRoot: true } }, { pod: { metadata: {}, spec: { containers: [] } }, imageUser: '' }));
    expect(rootImage).toEqual({ error: 'container has runAsNonRoot and image will run as root' });
    const named = podmanRunPlan(input({ name: 'c', securityContext: { runAsNonRoot: true } }, { pod: { metadata: {}, spec: { containers: [] } }, imageUser: 'app' }));
    expect(named).toEqual({ error: expect.stringContaining('non-numeric user (app)') });
    const root = podmanRunPlan(input({ name: 'c', securityContext: { runAsNonRoot: true, runAsUser: 0 } }));
    expect(root).toEqual({ error: expect.stringContaining('breaks non-root policy') });
  });

  test('memory emptyDirs are tmpfs; an unknown volume is an error', () => {
    const container: V1Container = { name: 'c', volumeMounts: [{ name: 'mem', mountPath: '/cache/' }] };
    const { args } = plan(container, {
      pod: { metadata: {}, spec: { containers: [], volumes: [{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }] } },
      volumeDirs: new Map([['mem', '/c/v/mem']]),
    });
    expect(args).toContain(`--tmpfs=/cache:rw,exec,nosuid,nodev,mode=1777,size=${2 ** 20}`);
    expect(podmanRunPlan(input({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }))).toEqual({ error: expect.stringContaining('no volume of that name') });
  });

  test('Secret, ConfigMap and projected volumes are mounted as their directories, so the ..data swap of an update reaches the container', () => {
    const container: V1Container = {
      name: 'c',
      volumeMounts: [
        { name: 'tls', mountPath: '/etc/tls', readOnly: true },
        { name: 'cfg', mountPath: '/etc/cfg/' },
        { name: 'bundle', mountPath: '/etc/bundle', readOnly: true },
      ],
    };
    const dirs = new Map([
      ['tls', '/c/v/tls'],
      ['cfg', '/c/v/cfg'],
      ['bundle', '/c/v/bundle'],
    ]);
    const { args } = plan(container, {
      pod: {
        metadata: {},
        spec: {
          containers: [],
          volumes: [
            { name: 'tls', secret: { secretName: 'tls' } },
            { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'nested/a.conf' }] } },
            { name: 'bundle', projected: { sources: [{ secret: { name: 'tls' } }, { configMap: { name: 'cfg' } }] } },
          ],
        },
      },
      volumeDirs: dirs,
    });
    expect(args.filter((a) => a.startsWith('--volume='))).toEqual(['--volume=/c/v/tls:/etc/tls:ro', '--volume=/c/v/cfg:/etc/cfg', '--volume=/c/v/bundle:/etc/bundle:ro']);
  });

  test('a projected volume (the service-account token) is handed to the runAsUser, group fsGroup', () => {
    const container: V1Container = { name: 'c', securityContext: { runAsUser: 1000 }, volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] };
    const { ownedDirs } = plan(container, {
      pod: { metadata: {}, spec: { containers: [], securityContext: { fsGroup: 2000 }, volumes: [{ name: 'token', projected: { sources: [] } }] } },
      volumeDirs: new Map([['token', '/c/v/token']]),
    });
    expect(ownedDirs).toEqual([{ dir: '/c/v/token', uid: 1000, gid: 2000 }]);
  });

  test('container names follow the kubelet\'s docker naming', () => {
    expect(containerName(pod(entropyContainer), entropyContainer, 2)).toBe('k8s_entropy_demo-1_ns_u-1_2');
  });
});

describe('Kubernetes quantities', () => {
  test.each([
    ['256Mi', 256 * 2 ** 20],
    ['1', 1],
    ['100m', 0.1],
    ['1.5', 1.5],
    ['2k', 2000],
    ['1e3', 1000],
    ['1Gi', 2 ** 30],
  ])('%s', (text, value) => expect(parseQuantity(text)).toBeCloseTo(value));

  test('garbage is not a quantity', () => {
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity('1Mb')).toBeUndefined();
  });
});
