/**
 * `npm run bench:soak [-- --minutes 30 --pods 50]`: the full soak. A local cluster (test/cluster), the
 * operator as a local process, and `pods` entropy pods under churn for `minutes` (soak-churn.ts: 10 % of the
 * pods deleted per minute, 10 % of the appliances scaled by one replica, one pod in fifty tampered), with every
 * transition checked (transitions.ts). Prints a line per minute (pods, operator RSS, watch restarts, misses)
 * and a summary; exits 1 on any missed transition. Real r4 pods cost ~185 MiB each (a service and its core),
 * so the default is 50 pods; 1,000 needs the stand-in pods of issue 17. The operator runs in a memory cgroup
 * limited as the chart limits its container (Node sizes its heap by it; unlimited, its RSS says little) and its
 * OOM kills are printed. Bounded: the churn stops after
 * `minutes`, the cluster is torn down on exit and on SIGINT/SIGTERM.
 */
import { TransitionChecker } from './transitions.js';
import { runSoak } from './soak-churn.js';
import { startCluster } from '../../test/cluster/cluster.js';
import { clientsFor, createNamespace } from '../../test/cluster/jest-cluster.js';
import { HOSTILE_IMAGES } from '../../test/cluster/kubelet/programs.js';
import { ApplianceApi } from '../../test/operator/appliance-api.js';
import { chartOperatorMemoryLimit, fixtureImage, installCrd, installOperatorAccess, readManifests, startOperator } from '../../test/operator/operator-harness.js';
import { createMemoryCgroup } from '../../test/support/memory-cgroup.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const minutes = option('minutes', 30);
const pods = option('pods', 50);
const intervalSeconds = option('interval', 10);
const log = (line: string) => process.stdout.write(`${line}\n`);

const cluster = await startCluster();
const cgroup = createMemoryCgroup(`r4-soak-${process.pid}`, chartOperatorMemoryLimit());
let failed = true;
try {
  const clients = clientsFor(cluster.kc);
  await installCrd(clients);
  const kubeconfig = await installOperatorAccess(cluster, clients);
  const operator = await startOperator(cluster, kubeconfig, 'op-soak', {}, cgroup.wrap);
  const namespace = 'soak';
  await createNamespace(clients, namespace);
  const secret = readManifests('examples/appliance.yaml').find((o) => o.kind === 'Secret');
  if (!secret?.metadata?.name) throw new Error('examples/appliance.yaml has no Secret');
  await clients.objects.create({ ...secret, metadata: { ...secret.metadata, namespace } });
  const tamperedImages = ['r4-tampered-core', ...Object.values(HOSTILE_IMAGES)];
  const transitions = await TransitionChecker.start({ kc: cluster.kc, intervalMs: intervalSeconds * 1000, tamperedImages });
  const started = Date.now();
  const perMinute = await runSoak({
    clients,
    api: new ApplianceApi(clients),
    namespace,
    apiKeySecret: secret.metadata.name,
    pods,
    minutes,
    intervalSeconds,
    tamperedImage: fixtureImage(cluster, 'r4-tampered-core'),
    operator,
    transitions,
    log,
  });
  await transitions.stop();
  await operator.stop();
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const p = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0;
  const rss = perMinute.map((m) => m.rssMiB);
  for (const miss of transitions.misses) log(`missed: ${miss.at} ${miss.pod}: ${miss.what}`);
  for (const miss of transitions.lost) log(`lost: ${miss.at} ${miss.pod}: ${miss.what}`);
  log(
    `soak ${minutes} min, ${pods} pods (interval ${intervalSeconds} s): ${transitions.seen.pods} pods seen, ${transitions.seen.tampered} tampered; ` +
      `listening->attested p50 ${p(transitions.attestLatencies, 0.5)} ms p99 ${p(transitions.attestLatencies, 0.99)} ms ` +
      `(phase Running->attested p50 ${p(transitions.attestFromPhase, 0.5)} ms p99 ${p(transitions.attestFromPhase, 0.99)} ms); ` +
      `listening->cordoned p50 ${p(transitions.cordonLatencies, 0.5)} ms max ${p(transitions.cordonLatencies, 1)} ms; ` +
      `operator RSS first ${rss[0]} MiB last ${rss[rss.length - 1]} MiB max ${Math.max(...rss)} MiB; ` +
      `OOM kills ${cgroup.oomKills()} (limit ${chartOperatorMemoryLimit() / 1048576} MiB); watch restarts ${perMinute.reduce((s, m) => s + m.watchRestarts, 0)}; missed transitions ${transitions.misses.length} (lost ${transitions.lost.length}); ${((Date.now() - started) / 60000).toFixed(1)} min`,
  );
  failed = transitions.misses.length > 0 || cgroup.oomKills() > 0;
} finally {
  await cluster.stop();
  await cgroup.remove();
}
process.exit(failed ? 1 : 0);
