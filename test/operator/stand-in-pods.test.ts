// Stand-in pods (image r4-stand-in, served by the cluster's stand-in hub) are attested by the real
// operator as real pods are, over TLS with their appliance's certificate, and each way the hub tampers
// with one is cordoned with the reason a real pod's fault gets; healed, it is attested again.
// (Here, not in test/cluster: it needs the operator's harness, which itself builds on test/cluster.)
import { useLocalCluster, type ClusterHandle } from '../cluster/jest-cluster.js';
import { programDigest, standInImage, standInProgram } from '../cluster/kubelet/programs.js';
import type { Tamper } from '../cluster/stand-in/protocol.js';
import { ApplianceApi, condition } from './appliance-api.js';
import { installCrd, installOperatorAccess, startOperator, type OperatorProcess } from './operator-harness.js';

const local: ClusterHandle = useLocalCluster({ standIns: true });
let operator: OperatorProcess;
let api: ApplianceApi;

beforeAll(async () => {
  await installCrd(local.clients);
  operator = await startOperator(local.cluster, await installOperatorAccess(local.cluster, local.clients), 'op-stand-in');
  api = new ApplianceApi(local.clients);
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

const STAND_IN = standInImage('test');
const fast = { attestation: { intervalSeconds: 2, timeoutSeconds: 1, failureThreshold: 2 } };

local.test('stand-in pods are attested by the operator; a tampered one is cordoned for what it did and attested again once healed', async ({ namespace }) => {
  await api.applyExample('examples/appliance.yaml', namespace, { ...fast, image: STAND_IN, replicas: 4 });
  const a = await api.waitForStatus(namespace, 'demo', '4 attested stand-in pods', (x) => x.status?.attestedReplicas === 4 && condition(x, 'Available')?.status === 'True');
  for (const pod of a.status?.pods ?? []) {
    expect(pod).toMatchObject({ verdict: 'Attested', containerID: expect.stringMatching(/^stand-in:\/\//), imageID: `r4-stand-in@${programDigest(standInProgram)}`, integrity: 'verified', selftest: 'pass', mode: 'sealed' });
  }
  const pods = await api.pods(namespace, 'demo');
  expect(pods).toHaveLength(4);
  const hub = local.cluster.standIns!;
  const faults: [Tamper, string][] = [['hash', 'HashMismatch'], ['selftest', 'SelfTestFailed'], ['unsigned', 'AttestationSignatureInvalid'], ['silent', 'Unreachable']];
  const target = new Map(faults.map(([tamper, reason], i) => [pods[i]?.metadata?.name ?? '', { tamper, reason, uid: pods[i]?.metadata?.uid ?? '' }]));
  await Promise.all([...target.values()].map(({ uid, tamper }) => hub.tamper(uid, tamper)));
  const cordoned = await api.waitForStatus(namespace, 'demo', 'each tampered pod cordoned with its reason', (x) =>
    (x.status?.pods ?? []).every((p) => p.verdict === 'Cordoned' && p.reason === target.get(p.name)?.reason),
  60_000);
  expect(cordoned.status?.attestedReplicas).toBe(0);
  expect(await api.readyEndpoints(namespace, 'demo')).toEqual([]);

  // A healed core is attested again (the same container and key); the others stay cordoned.
  const healed = pods[0]?.metadata?.name ?? '';
  await hub.heal(target.get(healed)?.uid ?? '');
  await api.waitForStatus(namespace, 'demo', `${healed} attested again`, (x) =>
    (x.status?.pods ?? []).every((p) => (p.name === healed ? p.verdict === 'Attested' : p.verdict === 'Cordoned')),
  30_000);
  expect(await hub.stats()).toMatchObject({ pods: 4 });
}, 150_000);
