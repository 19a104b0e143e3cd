// The Events the operator records, against an HTTP server on loopback standing in for the API server's
// events endpoint: pods attested together make one Event on their appliance; a flapping pod's Events stop
// after the burst.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { createLogger } from '../log.js';
import { ATTESTED_BATCH_MS, EventRecorder } from './events.js';

describe('EventRecorder', () => {
  let server: Server;
  const recorded: CoreV1Event[] = [];
  let core: CoreV1Api;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        recorded.push(JSON.parse(body) as CoreV1Event);
        res.setHeader('content-type', 'application/json');
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    core = config.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    recorded.length = 0;
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Until `count` Events have arrived (a busy machine may take seconds), then one batch interval more, in which no further one may come. */
  const settled = async (count: number) => {
    for (const deadline = Date.now() + 15_000; recorded.length < count && Date.now() < deadline; ) await sleep(20);
    await sleep(ATTESTED_BATCH_MS + 300);
  };
  const on = (kind: string) => recorded.filter((e) => e.involvedObject.kind === kind);

  test('three pods attested in one round: an Event on each pod, one on the appliance naming them', async () => {
    const events = new EventRecorder(core, createLogger('error'));
    for (const name of ['demo-a', 'demo-b', 'demo-c']) events.forPod({ name, namespace: 'team' }, 'demo', { reason: 'PodAttested', type: 'Normal', message: 'signed' });
    await settled(4);
    expect(on('Pod').map((e) => e.involvedObject.name).sort()).toEqual(['demo-a', 'demo-b', 'demo-c']);
    expect(on('EntropyAppliance').map((e) => e.message)).toEqual(['3 pods attested: demo-a, demo-b, demo-c']);
  });

  test('one pod attested alone keeps the "pod <name>: …" form the dashboard reads', async () => {
    const events = new EventRecorder(core, createLogger('error'));
    events.forPod({ name: 'demo-a', namespace: 'team' }, 'demo', { reason: 'PodAttested', type: 'Normal', message: 'signed' });
    await settled(2);
    expect(on('EntropyAppliance').map((e) => e.message)).toEqual(['pod demo-a: signed']);
  });

  test('a pod that flaps: ten Unreachable Events on it, then none', async () => {
    const events = new EventRecorder(core, createLogger('error'));
    for (let i = 0; i < 15; i++) events.forPod({ name: 'demo-a', namespace: 'team' }, 'demo', { reason: 'Unreachable', type: 'Warning', message: `probe ${i}` });
    await settled(20);
    expect(on('Pod')).toHaveLength(10);
    expect(on('EntropyAppliance')).toHaveLength(10);
  });
});
