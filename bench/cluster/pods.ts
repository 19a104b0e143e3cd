// `node dist/bench/cluster/pods.js --pods 1000 [--nodes 3] [--no-services]`: what the cluster harness
// costs to start many pods. It starts a cluster, creates that many bare `pause` pods (sleep, the
// cheapest program, see test/cluster/kubelet/programs.ts) spread over the nodes by the scheduler, and
// prints the time from the first create to all Running, how many child processes the harness spawned for
// them (every spawn of this process: `ip`, `iptables-restore`, the containers), and the teardown time.
// --no-services annotates the pods r4.dev/harness-no-services (they get no Service rules nor hosts file).
// Bounded: creates run 20 at a time, Running is polled every second (a list: simpler to trust than a
// watch at this rate) and the wait gives up after 20 minutes.
import { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '200' },
    nodes: { type: 'string', default: '1' },
    'no-services': { type: 'boolean', default: false },
  },
});
const podCount = Number(values.pods);
const nodeCount = Number(values.nodes);
const runningWithinMs = 20 * 60_000;
const createConcurrency = 20;

// Every child process goes through ChildProcess#spawn (spawn, execFile and exec alike; internal, so
// untyped): count them.
let spawns = 0;
const prototype = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, ...args: unknown[]): unknown };
const originalSpawn = prototype.spawn;
prototype.spawn = function countedSpawn(this: ChildProcess, ...args: unknown[]) {
  spawns++;
  return originalSpawn.apply(this, args);
};

// Loaded after the counter is in place.
const { startCluster } = await import('../../test/cluster/cluster.js');
const { CoreV1Api } = await import('@kubernetes/client-node');

function pod(name: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'bench-pause' }, ...(values['no-services'] ? { annotations: { 'r4.dev/harness-no-services': 'true' } } : {}) },
    spec: {
      containers: [{ name: 'pause', image: 'pause' }],
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    },
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

const startedAt = Date.now();
const cluster = await startCluster({ nodes: Array.from({ length: nodeCount }, (_, i) => `r4-node-${i + 1}`) });
try {
  const clusterUpMs = Date.now() - startedAt;
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const runningCount = async () =>
    (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=bench-pause' })).items.filter((p) => p.status?.phase === 'Running').length;
  const spawnsBefore = spawns;
  const createStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: createConcurrency }, async () => {
      while (next < podCount) {
        const name = `pause-${next++}`;
        await core.createNamespacedPod({ namespace: 'default', body: pod(name) });
      }
    }),
  );
  const createdMs = Date.now() - createStart;
  let running = await runningCount();
  while (running < podCount && Date.now() - createStart < runningWithinMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running = await runningCount();
  }
  const runningMs = Date.now() - createStart;
  const podSpawns = spawns - spawnsBefore;
  if (running < podCount) console.log(`only ${running} of ${podCount} pods Running after ${seconds(runningWithinMs)}s`);
  const stopStart = Date.now();
  await cluster.stop();
  const stopMs = Date.now() - stopStart;
  console.log(
    `${podCount} pods on ${nodeCount} node(s)${values['no-services'] ? ' (no Service rules)' : ''}: cluster up ${seconds(clusterUpMs)}s, ` +
      `created in ${seconds(createdMs)}s, all Running ${seconds(runningMs)}s after the first create, ` +
      `${podSpawns} spawns (${(podSpawns / podCount).toFixed(1)} per pod), teardown ${seconds(stopMs)}s`,
  );
} finally {
  await cluster.stop();
}
