import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { chainName, fullRules, hostsFile, hostsKey, ruleDiff, sameRules, serviceBackends, serviceRules } from './service-rules.js';

const service = (namespace: string, name: string, clusterIP: string, ports: { name?: string; port: number; protocol?: string }[]): V1Service => ({
  metadata: { namespace, name },
  spec: { clusterIP, ports },
});

const slice = (namespace: string, serviceName: string, port: number, endpoints: { ip: string; ready?: boolean }[], portName = 'http'): V1EndpointSlice => ({
  metadata: { namespace, name: `${serviceName}-abc`, labels: { 'kubernetes.io/service-name': serviceName } },
  addressType: 'IPv4',
  ports: [{ name: portName, port, protocol: 'TCP' }],
  endpoints: endpoints.map(({ ip, ready }) => ({ addresses: [ip], conditions: ready === undefined ? {} : { ready } })),
});

const relay = { host: '10.244.0.1', port: 40000 };

describe('serviceBackends', () => {
  test('lists ready endpoints only, by port name, and sends the kubernetes Service to the relay', () => {
    const backends = serviceBackends(
      [
        service('default', 'kubernetes', '10.0.0.1', [{ name: 'https', port: 443 }]),
        service('shop', 'web', '10.0.0.20', [{ name: 'http', port: 80 }]),
        service('shop', 'headless', 'None', [{ name: 'http', port: 80 }]),
        service('shop', 'dns', '10.0.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }]),
      ],
      [slice('shop', 'web', 8080, [{ ip: '10.244.0.3' }, { ip: '10.244.0.2', ready: true }, { ip: '10.244.0.4', ready: false }]), slice('other', 'web', 8080, [{ ip: '10.244.0.9' }])],
      relay,
    );
    expect(backends).toEqual([
      { clusterIP: '10.0.0.1', port: 443, targets: ['10.244.0.1:40000'] },
      { clusterIP: '10.0.0.20', port: 80, targets: ['10.244.0.2:8080', '10.244.0.3:8080'] },
    ]);
  });
});

const web = { clusterIP: '10.0.0.20', port: 80, targets: ['10.244.0.2:8080', '10.244.0.3:8080', '10.244.0.4:8080'] };
const idle = { clusterIP: '10.0.0.21', port: 80, targets: [] };
const webChain = chainName('10.0.0.20', 80);
const idleChain = chainName('10.0.0.21', 80);

describe('fullRules', () => {
  test('spreads a Service over its endpoints with kube-proxy\'s cascade of chances, and rejects one without endpoints', () => {
    const lines = fullRules(serviceRules([web, idle])).split('\n');
    expect(webChain).toMatch(/^R4-SVC-[0-9A-F]{8}$/);
    expect(lines.filter((l) => l.includes(webChain))).toEqual([
      `:${webChain} - [0:0]`,
      `-A OUTPUT -d 10.0.0.20/32 -p tcp -m tcp --dport 80 -j ${webChain}`,
      `-A ${webChain} -p tcp -m statistic --mode random --probability 0.33333 -j DNAT --to-destination 10.244.0.2:8080`,
      `-A ${webChain} -p tcp -m statistic --mode random --probability 0.50000 -j DNAT --to-destination 10.244.0.3:8080`,
      `-A ${webChain} -p tcp -j DNAT --to-destination 10.244.0.4:8080`,
      `:${webChain} - [0:0]`,
      `-A OUTPUT -d 10.0.0.20/32 -p tcp -m tcp --dport 80 -j ${webChain}`,
    ]);
    expect(lines).toContain(`-A ${idleChain} -p tcp -j REJECT --reject-with tcp-reset`);
    // Both tables are replaced whole, so a rule of a removed Service cannot linger.
    expect(lines.filter((l) => l.startsWith('*') || l === 'COMMIT')).toEqual(['*nat', 'COMMIT', '*filter', 'COMMIT']);
  });
});

describe('ruleDiff', () => {
  const before = serviceRules([web, idle]);

  test('nothing changed: nothing to apply, and equal renders compare equal', () => {
    expect(ruleDiff(before, serviceRules([web, idle]))).toBe('');
    expect(sameRules(before, serviceRules([idle, web]))).toBe(true);
  });

  test('an endpoint more rewrites that Service\'s nat chain and nothing else', () => {
    const after = serviceRules([{ ...web, targets: [...web.targets, '10.244.0.5:8080'] }, idle]);
    expect(sameRules(before, after)).toBe(false);
    expect(ruleDiff(before, after).split('\n')).toEqual([
      '*nat',
      `:${webChain} - [0:0]`,
      `-A ${webChain} -p tcp -m statistic --mode random --probability 0.25000 -j DNAT --to-destination 10.244.0.2:8080`,
      `-A ${webChain} -p tcp -m statistic --mode random --probability 0.33333 -j DNAT --to-destination 10.244.0.3:8080`,
      `-A ${webChain} -p tcp -m statistic --mode random --probability 0.50000 -j DNAT --to-destination 10.244.0.4:8080`,
      `-A ${webChain} -p tcp -j DNAT --to-destination 10.244.0.5:8080`,
      'COMMIT',
      '',
    ]);
  });

  test('a Service losing its last endpoint moves from DNAT to REJECT; a new one is hooked, a removed one unhooked and deleted', () => {
    const added = { clusterIP: '10.0.0.22', port: 443, targets: ['10.244.0.9:8443'] };
    const addedChain = chainName('10.0.0.22', 443);
    const after = serviceRules([{ ...web, targets: [] }, added]);
    expect(ruleDiff(before, after).split('\n')).toEqual([
      '*nat',
      `:${webChain} - [0:0]`,
      `:${addedChain} - [0:0]`,
      `:${idleChain} - [0:0]`,
      `-A ${addedChain} -p tcp -j DNAT --to-destination 10.244.0.9:8443`,
      `-A OUTPUT -d 10.0.0.22/32 -p tcp -m tcp --dport 443 -j ${addedChain}`,
      `-D OUTPUT -d 10.0.0.21/32 -p tcp -m tcp --dport 80 -j ${idleChain}`,
      `-X ${idleChain}`,
      'COMMIT',
      '*filter',
      `:${webChain} - [0:0]`,
      `:${addedChain} - [0:0]`,
      `:${idleChain} - [0:0]`,
      `-A ${webChain} -p tcp -j REJECT --reject-with tcp-reset`,
      `-A OUTPUT -d 10.0.0.22/32 -p tcp -m tcp --dport 443 -j ${addedChain}`,
      `-D OUTPUT -d 10.0.0.21/32 -p tcp -m tcp --dport 80 -j ${idleChain}`,
      `-X ${idleChain}`,
      'COMMIT',
      '',
    ]);
  });
});

describe('hostsKey', () => {
  test('changes with Services\' names and ClusterIPs, not with their order or their ports', () => {
    const a = service('shop', 'web', '10.0.0.20', [{ port: 80 }]);
    const b = service('bank', 'vault', '10.0.0.30', [{ port: 80 }]);
    expect(hostsKey([a, b])).toBe(hostsKey([b, { ...a, spec: { ...a.spec, ports: [{ port: 81 }] } }]));
    expect(hostsKey([a, b])).not.toBe(hostsKey([a]));
    expect(hostsKey([a])).not.toBe(hostsKey([service('shop', 'web', '10.0.0.40', [{ port: 80 }])]));
  });
});

describe('hostsFile', () => {
  test('names the pod and every Service; short names only in the pod\'s own namespace', () => {
    const hosts = hostsFile({ name: 'client-1', namespace: 'shop', ip: '10.244.0.7' }, [
      service('shop', 'web', '10.0.0.20', [{ port: 80 }]),
      service('bank', 'vault', '10.0.0.30', [{ port: 80 }]),
      service('shop', 'headless', 'None', [{ port: 80 }]),
    ]);
    expect(hosts.split('\n')).toEqual([
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      '10.244.0.7\tclient-1',
      '10.0.0.30\tvault.bank.svc.cluster.local vault.bank.svc vault.bank',
      '10.0.0.20\tweb.shop.svc.cluster.local web.shop.svc web.shop web',
      '',
    ]);
  });
});
