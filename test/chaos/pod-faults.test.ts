// Chaos on the pods, with one operator and real entropy pods: one pod's network cut (link down) and then
// throttled far past the probe timeout (a tc qdisc in its own namespace, which no rules rewrite undoes),
// each healed; and pods whose attestation answer attacks the prober (slow-loris, 10 MB, not JSON) among
// healthy ones. Throughout, the invariant checker (invariants.ts) samples I1 and I2 on every watch event;
// after each fault the operator converges (I3) and its memory returns to its level (I4).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { useLocalCluster } from '../cluster/jest-cluster.js';
import { HOSTILE_IMAGES } from '../cluster/kubelet/programs.js';
import { fixtureImage } from '../operator/operator-harness.js';
import { waitFor } from '../support/wait-for.js';
import { attested, FAST, INTERVAL_S, timed, useChaosSetup } from './chaos-operators.js';
import { gateOf } from './invariants.js';

const local = useLocalCluster();
const chaos = useChaosSetup(local, ['op-pods']);
const run = promisify(execFile);

afterAll(() => chaos().checker.assertNone());

const entryOf = (a: Awaited<ReturnType<ReturnType<typeof chaos>['api']['get']>>, pod: string) => a.status?.pods?.find((p) => p.name === pod);

/** The pod's addresses the Service's slices list ready, with the pods themselves. */
async function serving(namespace: string): Promise<{ ips: string[]; pods: V1Pod[] }> {
  const { api } = chaos();
  const [ips, pods] = await Promise.all([api.readyEndpoints(namespace, 'demo'), api.pods(namespace, 'demo')]);
  return { ips, pods };
}

local.test('one pod\'s network cut, then throttled past the probe timeout: it alone is cordoned Unreachable, and back in traffic once healed', async ({ namespace, cluster }) => {
  const { api, checker } = chaos();
  await api.applyExample('examples/appliance.yaml', namespace, { ...FAST, replicas: 3 });
  await api.waitForStatus(namespace, 'demo', '3 attested pods', attested(3), 120_000);
  await waitFor(async () => {
    const s = await serving(namespace);
    return { ok: s.ips.length === 3, state: s.ips };
  }, 30_000, '3 pods in the EndpointSlice');
  const [target, ...siblings] = await api.pods(namespace, 'demo');
  const uid = target?.metadata?.uid ?? '';
  const name = target?.metadata?.name ?? '';
  const netns = cluster.podNetns(uid);
  expect(netns).toBeDefined();
  const leader = await chaos().leader();
  const steady = checker.steadyRss(leader.process.pid);

  const ns = netns ?? '';
  const partitions = [
    {
      fault: 'link down',
      cut: () => run('ip', ['-n', ns, 'link', 'set', 'eth0', 'down']),
      // Down took the default route with it.
      heal: async () => {
        await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        await run('ip', ['-n', ns, 'route', 'replace', 'default', 'via', cluster.network.gateway]);
      },
    },
    {
      // This kernel has no sch_netem (CONFIG_NET_SCH_NETEM unset): a token bucket of 1 kbit/s delays every
      // answer (a TLS handshake alone is kilobytes) far beyond the 2 s probe timeout just the same.
      fault: 'tbf 1 kbit/s',
      cut: () => run('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', '1kbit', 'burst', '1600', 'latency', '60s']),
      heal: () => run('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'eth0', 'root']),
    },
  ];
  for (const { fault, cut, heal } of partitions) {
    checker.beginFault(fault, [uid]);
    await cut();
    const cutAt = Date.now();
    const cordoned = await timed(`${fault}: cordoned Unreachable`, () =>
      api.waitForStatus(namespace, 'demo', `${name} cordoned Unreachable`, (a) => entryOf(a, name)?.reason === 'Unreachable', 60_000),
    );
    process.stderr.write(`chaos: ${fault}: Unreachable after ${((Date.now() - cutAt) / 1000).toFixed(1)} s (interval ${INTERVAL_S} s, threshold 3)\n`);
    expect(cordoned.status?.attestedReplicas).toBe(2);
    await waitFor(async () => {
      const s = await serving(namespace);
      return { ok: s.ips.length === 2 && !s.ips.includes(target?.status?.podIP ?? ''), state: s.ips };
    }, 15_000, `${name} out of the EndpointSlice`);
    // Siblings untouched: still attested, their gates never turned (the checker's I2 watches every change).
    const now = await api.pods(namespace, 'demo');
    for (const sibling of siblings) expect(gateOf(now.find((p) => p.metadata?.uid === sibling.metadata?.uid) as V1Pod)?.status).toBe('True');

    await heal();
    await timed(`${fault}: healed, attested and serving again`, async () => {
      await api.waitForStatus(namespace, 'demo', `${name} attested again`, (a) => entryOf(a, name)?.verdict === 'Attested' && attested(3)(a), 60_000);
      await waitFor(async () => {
        const s = await serving(namespace);
        return { ok: s.ips.includes(target?.status?.podIP ?? '') && s.ips.length === 3, state: s.ips };
      }, 30_000, `${name} back in the EndpointSlice`);
    });
  }
  await checker.converged(namespace, 'the partitions');
  await checker.rssReturns(leader.process.pid, steady, 'the partitions');
  expect(chaos().oomKills()).toBe(0);
  checker.assertNone();
  checker.retire(namespace);
}, 300_000);

local.test('pods whose attestation answer attacks the prober (slow-loris, 10 MB, not JSON) are cordoned with their reason; healthy pods stay attested', async ({ namespace, cluster }) => {
  const { api, checker } = chaos();
  await api.applyExample('examples/appliance.yaml', namespace, { ...FAST, replicas: 2 });
  await api.waitForStatus(namespace, 'demo', '2 attested pods', attested(2), 120_000);
  const leader = await chaos().leader();
  const steady = checker.steadyRss(leader.process.pid);
  checker.beginFault('hostile pods');
  const cases = [
    { name: 'slowloris', image: HOSTILE_IMAGES.slowloris, reason: 'Unreachable', message: /no answer within 2000 ms/ },
    { name: 'huge', image: HOSTILE_IMAGES.huge, reason: 'MalformedResponse', message: /exceeds 65536 bytes/ },
    { name: 'malformed', image: HOSTILE_IMAGES.malformed, reason: 'MalformedResponse', message: /not JSON/ },
  ];
  const started = Date.now();
  await Promise.all(cases.map((c) => api.create(namespace, c.name, { apiKeySecretRef: { name: 'demo-api-keys' }, replicas: 1, image: fixtureImage(cluster, c.image), ...FAST })));
  await timed('3 hostile pods cordoned', () =>
    Promise.all(
      cases.map(async (c) => {
        const a = await api.waitForStatus(namespace, c.name, `the ${c.name} pod cordoned ${c.reason}`, (x) => x.status?.pods?.some((p) => p.verdict === 'Cordoned' && p.reason === c.reason) ?? false, 90_000);
        const entry = a.status?.pods?.find((p) => p.reason === c.reason);
        process.stderr.write(`chaos: ${c.name}: cordoned ${c.reason} ${((Date.now() - started) / 1000).toFixed(1)} s after creation: ${entry?.message}\n`);
        expect(entry?.message).toMatch(c.message);
      }),
    ),
  );
  // The healthy appliance kept being attested on time the whole while (I2 would have caught a cordon).
  const demo = await api.get(namespace, 'demo');
  expect(attested(2)(demo)).toBe(true);
  for (const c of cases) await api.delete(namespace, c.name);
  await checker.converged(namespace, 'the hostile pods');
  // Not enforced (issue 17): after the hostile pods the leader has stayed up to ~30 MiB above its level for
  // 60 s (168 -> 197 MiB under the chart's 256 MiB limit), as after a burst of appliances; printed for the report.
  await checker.rssReturns(leader.process.pid, steady, 'the hostile pods (a 10 MB answer among them)', 60_000, false);
  expect(chaos().oomKills()).toBe(0);
  checker.assertNone();
  checker.retire(namespace);
}, 300_000);
