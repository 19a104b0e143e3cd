// `npm run bench:operator [-- <sizes>]` (default 10,100,1000): the operator against the cluster harness
// (test/cluster) with that many entropy pods, most of them stand-in pods (image r4-stand-in, served by one
// hub process: test/cluster/stand-in/) and 2 appliances × 2 real r4 pods, 10 pods per appliance. For each
// size, on a fresh cluster, it prints:
//   - the time from all pods Running to all attested (and per pod, Running to its gate True);
//   - where a pod's time went (the operator, the API server, the watch, split at its gate write in the audit
//     log), and the requests the operator sent and the reconciles it ran during the setup;
//   - the operator's RSS and CPU over a steady window at the default interval, CPU per attestation round;
//   - the operator's API requests per minute by verb and resource in that window, from the API server's
//     audit log filtered to its ServiceAccount, with LIST and status writes per minute;
//   - the time for one tampered stand-in pod to be cordoned, and the dashboard's first paint and the
//     latency of that change to an open appliance view (chromium);
// then a table across sizes and one line starting `1000 pods:`. Not a test: nothing here fails on a figure.
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { startCluster, type LocalCluster } from '../../test/cluster/cluster.js';
import { clientsFor, createNamespace, type Clients } from '../../test/cluster/jest-cluster.js';
import { standInImage } from '../../test/cluster/kubelet/programs.js';
import { ApplianceApi } from '../../test/operator/appliance-api.js';
import { chartOperatorMemoryLimit, installCrd, installOperatorAccess, OPERATOR_NAMESPACE, readManifests, startOperator, type OperatorProcess } from '../../test/operator/operator-harness.js';
import { createMemoryCgroup, type MemoryCgroup } from '../../test/support/memory-cgroup.js';
import { parseAuditLog, podStatusWrites, ratePer, requestLoad, requestRates, type RequestRates } from './audit.js';
import { DashboardPage, type FirstPaint } from './dashboard-timing.js';
import { PodTracker, type PodTimes } from './pod-tracker.js';
import { cpuSeconds, sampleRss } from './process-usage.js';

const OPERATOR_USER = `system:serviceaccount:${OPERATOR_NAMESPACE}:r4-operator`;
const NAMESPACE = 'bench';
const PODS_PER_APPLIANCE = 10;
const REAL = { appliances: 2, replicas: 2 };
/** The appliance's default interval (api/v1alpha1/defaults.ts): the steady state is measured at it. */
const INTERVAL_S = 10;
const STEADY_MS = Number(process.env.R4_BENCH_STEADY_S ?? 120) * 1000;
/** After all pods are attested, before the steady window: the first rounds' writes and events settle. */
const SETTLE_MS = 3 * INTERVAL_S * 1000;
const STAND_IN = standInImage('bench');

interface SizeResult {
  size: number;
  runningAfterCreateS: number;
  attestAfterRunningS: number;
  perPod: { p50: number; p95: number; max: number };
  /** The longest any pod (stand-in or real) took from its Running to its gate True. */
  slowestPodS: number;
  rss: { medianMiB: number; peakMiB: number };
  cpuCores: number;
  cpuPerRoundS: number;
  rates: RequestRates;
  listPerMin: number;
  statusWritesPerMin: number;
  cordonS: number;
  paint: FirstPaint;
  pageUpdate: { afterTamperMs: number; afterStatusMs: number };
}

const seconds = (ms: number) => ms / 1000;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function until<T>(what: string, timeoutMs: number, check: () => T | undefined, progress?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s${progress ? ` (${progress()})` : ''}`);
    if (progress && Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      log(`  waiting for ${what}: ${progress()}`);
    }
    await sleep(250);
  }
}

/** Appliances of stand-ins (10 pods each, the last one the rest) and the real ones, adding up to `size` pods. */
function fleet(size: number): { name: string; replicas: number; standIn: boolean }[] {
  const standIns = Math.max(1, size - REAL.appliances * REAL.replicas);
  const appliances: { name: string; replicas: number; standIn: boolean }[] = [];
  for (let i = 0, left = standIns; left > 0; i++, left -= PODS_PER_APPLIANCE) {
    appliances.push({ name: `stand-in-${String(i).padStart(3, '0')}`, replicas: Math.min(PODS_PER_APPLIANCE, left), standIn: true });
  }
  for (let i = 0; i < REAL.appliances; i++) appliances.push({ name: `real-${i}`, replicas: REAL.replicas, standIn: false });
  return appliances;
}

async function createFleet(clients: Clients, api: ApplianceApi, appliances: ReturnType<typeof fleet>): Promise<void> {
  await createNamespace(clients, NAMESPACE);
  const secret = readManifests('examples/appliance.yaml').find((o) => o.kind === 'Secret');
  if (!secret) throw new Error('examples/appliance.yaml has no Secret');
  await clients.objects.create({ ...secret, metadata: { ...secret.metadata, namespace: NAMESPACE } });
  for (const a of appliances) {
    await createOnce(() => api.create(NAMESPACE, a.name, { apiKeySecretRef: { name: secret.metadata?.name }, replicas: a.replicas, ...(a.standIn && { image: STAND_IN }) }), a.name);
  }
}

const CREATE_ATTEMPTS = 5;
const CREATE_TIMEOUT_MS = 30_000;

/**
 * A create that an overloaded API server may never answer (one hung for minutes at 1,000 pods): each
 * attempt is given up after CREATE_TIMEOUT_MS and tried again; AlreadyExists means an earlier one landed.
 */
async function createOnce(create: () => Promise<void>, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CREATE_TIMEOUT_MS / 1000}s`)), CREATE_TIMEOUT_MS);
    });
    const creating = create();
    // An attempt given up on may still fail later: that is no longer news.
    creating.catch(() => undefined);
    try {
      await Promise.race([creating, timeout]);
      return;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return;
      if (attempt >= CREATE_ATTEMPTS) throw new Error(`creating appliance ${name}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function measureSize(size: number): Promise<SizeResult> {
  const appliances = fleet(size);
  const total = appliances.reduce((n, a) => n + a.replicas, 0);
  log(`${total} pods: ${appliances.filter((a) => a.standIn).length} stand-in appliances, ${REAL.appliances} × ${REAL.replicas} real r4 pods`);
  let cluster: LocalCluster | undefined;
  let operator: OperatorProcess | undefined;
  let cgroup: MemoryCgroup | undefined;
  let tracker: PodTracker | undefined;
  let page: DashboardPage | undefined;
  try {
    cluster = await startCluster({
      standIns: true,
      auditLog: { users: [OPERATOR_USER] },
      clientQps: { qps: 100, burst: 200 },
      // The fake node's pod capacity is 1,000 (fake-node.ts): more pods need more nodes.
      nodes: total > 500 ? ['r4-node-1', 'r4-node-2', 'r4-node-3'] : ['r4-node-1'],
    });
    const clients = clientsFor(cluster.kc);
    await installCrd(clients);
    // Limited as the chart limits its container: V8 sizes its heap by the memory it may use, so an operator
    // without a limit on this 24 GiB machine keeps far more garbage than the one in the pod.
    cgroup = createMemoryCgroup(`r4-bench-${process.pid}-${size}`, chartOperatorMemoryLimit());
    operator = await startOperator(cluster, await installOperatorAccess(cluster, clients), 'op-bench', { LOG_LEVEL: 'info' }, cgroup.wrap);
    const api = new ApplianceApi(clients);
    tracker = await PodTracker.start(cluster.kubeconfigPath, NAMESPACE);
    const createdAt = Date.now();
    await createFleet(clients, api, appliances);
    const pods = tracker;
    const progress = () => {
      const live = pods.live();
      return `${live.length} pods, ${live.filter((p) => p.runningAt).length} Running, ${live.filter((p) => p.attestedAt).length} attested`;
    };
    const timeout = 180_000 + total * 2_000;
    const runningAll = await until('every pod Running', timeout, () => {
      const live = pods.live();
      return live.length === total && live.every((p) => p.runningAt) ? Math.max(...live.map((p) => p.runningAt as number)) : undefined;
    }, progress);
    log(`  all ${total} pods Running ${seconds(runningAll - createdAt).toFixed(1)} s after the appliances were created`);
    const attestedAll = await until('every pod attested', timeout, () => {
      const live = pods.live();
      return live.length === total && live.every((p) => p.attestedAt) ? Math.max(...live.map((p) => p.attestedAt as number)) : undefined;
    }, progress);
    const runningToAttested = (standIn: boolean) =>
      pods
        .live()
        .filter((p) => p.image.startsWith('r4-stand-in') === standIn)
        .map((p) => seconds((p.attestedAt as number) - (p.runningAt as number)))
        .sort((a, b) => a - b);
    const perPod = runningToAttested(true);
    const real = runningToAttested(false);
    log(
      `  all attested ${seconds(attestedAll - runningAll).toFixed(1)} s after all were Running; Running → attested per stand-in pod p50 ${quantile(perPod, 0.5).toFixed(1)} s, ` +
        `p95 ${quantile(perPod, 0.95).toFixed(1)} s, max ${perPod[perPod.length - 1]?.toFixed(1)} s; per real pod max ${real[real.length - 1]?.toFixed(1)} s`,
    );

    await printSetupProfile(operator, cluster.auditLog as string, pods.live(), createdAt, attestedAll);

    await sleep(SETTLE_MS);
    const pid = operator.process.pid;
    const from = Date.now();
    const cpuFrom = cpuSeconds(pid);
    const rssSampler = sampleRss(pid);
    await sleep(STEADY_MS);
    const to = Date.now();
    const cpu = cpuSeconds(pid) - cpuFrom;
    const rss = rssSampler.stop();
    // The audit log is written as requests complete: a moment for the last ones of the window.
    await sleep(2_000);
    const rates = requestRates(parseAuditLog(readFileSync(cluster.auditLog as string, 'utf8')), OPERATOR_USER, from, to);
    const cpuCores = cpu / seconds(to - from);
    const rounds = seconds(to - from) / INTERVAL_S;
    log(`  steady ${seconds(to - from).toFixed(0)} s: RSS median ${rss.medianMiB.toFixed(1)} MiB (peak ${rss.peakMiB.toFixed(1)}), CPU ${cpuCores.toFixed(3)} cores, ${(cpu / rounds).toFixed(3)} s per round`);

    // One tampered stand-in pod among all, watched by the dashboard's open view of its appliance.
    page = await DashboardPage.open(operator.dashboardPort);
    const paint = await page.firstPaint();
    log(`  dashboard: first contentful paint ${paint.firstContentfulPaintMs} ms, appliance rows shown ${paint.rowsShownMs} ms`);
    const target = appliances[0] as (typeof appliances)[number];
    await page.openAppliance(NAMESPACE, target.name, target.replicas);
    const victim = (await api.pods(NAMESPACE, target.name))[0];
    if (!victim?.metadata?.uid || !victim.metadata.name) throw new Error(`no pod of ${target.name} to tamper with`);
    const victimName = victim.metadata.name;
    const tamperedAt = Date.now();
    const pageSaw = page.rowShows(victimName, 'HashMismatch', 4 * INTERVAL_S * 1000 + 30_000);
    await cluster.standIns?.tamper(victim.metadata.uid, 'hash');
    let statusAt = 0;
    for (const deadline = tamperedAt + 4 * INTERVAL_S * 1000 + 30_000; !statusAt; ) {
      const a = await api.get(NAMESPACE, target.name);
      if (a.status?.pods?.some((p) => p.name === victimName && p.verdict === 'Cordoned')) statusAt = Date.now();
      else if (Date.now() > deadline) throw new Error(`${victimName} was not cordoned within ${(deadline - tamperedAt) / 1000} s of its tampering`);
      else await sleep(100);
    }
    const pageAt = await pageSaw;
    log(`  tampered ${victimName}: cordoned in status after ${seconds(statusAt - tamperedAt).toFixed(1)} s; the open dashboard view showed it ${pageAt - tamperedAt} ms after the tampering (${pageAt - statusAt} ms after the status)`);
    const hub = await cluster.standIns?.stats();
    if (hub) log(`  stand-in hub: ${hub.pods} pods served, ${hub.connections} connections, ${hub.answers} answers`);
    return {
      size: total,
      runningAfterCreateS: seconds(runningAll - createdAt),
      attestAfterRunningS: seconds(attestedAll - runningAll),
      perPod: { p50: quantile(perPod, 0.5), p95: quantile(perPod, 0.95), max: perPod[perPod.length - 1] ?? NaN },
      slowestPodS: Math.max(...perPod, ...real),
      rss,
      cpuCores,
      cpuPerRoundS: cpu / rounds,
      rates,
      listPerMin: ratePer(rates, ['list']),
      statusWritesPerMin: ratePer(rates, ['patch', 'update'], 'entropyappliances/status'),
      cordonS: seconds(statusAt - tamperedAt),
      paint,
      pageUpdate: { afterTamperMs: pageAt - tamperedAt, afterStatusMs: pageAt - statusAt },
    };
  } finally {
    await tracker?.stop();
    await page?.close().catch(() => undefined);
    await operator?.stop().catch(() => undefined);
    if (cgroup) log(`  operator OOM kills in its ${chartOperatorMemoryLimit() / 1048576} MiB cgroup: ${cgroup.oomKills()}`);
    await cgroup?.remove();
    await cluster?.stop();
  }
}

/** A metric's value summed over all its series, from the operator's /metrics (Prometheus text). */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/**
 * Where the time from Running to attested went, per stand-in pod, split at the operator's gate write as the
 * API server's audit log saw it: Running → the write received (the operator: its watch, the probe, the
 * reconcile that writes the gate and its wait for the request budget), received → answered (the API
 * server), answered → the bench's watch saw the gate True. And what the operator sent and reconciled
 * from the appliances' creation to the last pod attested.
 */
async function printSetupProfile(operator: OperatorProcess, auditLog: string, pods: readonly PodTimes[], createdAt: number, attestedAll: number): Promise<void> {
  const events = parseAuditLog(readFileSync(auditLog, 'utf8'));
  const load = requestLoad(events, OPERATOR_USER, createdAt, attestedAll);
  const rates = requestRates(events, OPERATOR_USER, createdAt, attestedAll);
  const top = [...rates.perMinute].slice(0, 6).map(([k, n]) => `${k} ${Math.round(n * rates.minutes)}`).join(', ');
  log(`  setup (${seconds(attestedAll - createdAt).toFixed(0)} s): the operator sent ${load.total} requests, ${load.perSecond.toFixed(1)}/s, busiest second ${load.busiestSecond}; ${top}`);
  const metrics = (await operator.get('/metrics')).body;
  const reconciles = metricSum(metrics, 'r4_operator_reconcile_duration_seconds_count');
  const reconcileS = metricSum(metrics, 'r4_operator_reconcile_duration_seconds_sum');
  log(`  setup: ${reconciles} reconciles, ${(reconcileS / reconciles).toFixed(2)} s each on average`);
  const writes = podStatusWrites(events, OPERATOR_USER);
  const phases = { operator: [] as number[], api: [] as number[], watch: [] as number[] };
  for (const pod of pods) {
    if (!pod.image.startsWith('r4-stand-in') || pod.runningAt === undefined || pod.attestedAt === undefined) continue;
    const attestedAt = pod.attestedAt;
    const gate = (writes.get(pod.name) ?? []).filter((w) => w.receivedMs <= attestedAt).at(-1);
    if (!gate) continue;
    phases.operator.push(seconds(gate.receivedMs - pod.runningAt));
    phases.api.push(seconds(gate.completedMs - gate.receivedMs));
    phases.watch.push(seconds(attestedAt - gate.completedMs));
  }
  const show = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return `${quantile(sorted, 0.5).toFixed(1)}/${quantile(sorted, 0.95).toFixed(1)}/${(sorted.at(-1) ?? NaN).toFixed(1)} s`;
  };
  log(
    `  per stand-in pod (${phases.operator.length} with a gate write), p50/p95/max: Running → operator's gate write received ${show(phases.operator)}; ` +
      `API server ${show(phases.api)}; answered → watch saw it ${show(phases.watch)}`,
  );
}

function printRates(result: SizeResult): void {
  console.log(`\nAPI requests per minute by the operator at ${result.size} pods (steady, ${result.rates.minutes.toFixed(1)} min, audit log of ${OPERATOR_USER}):`);
  for (const [key, n] of result.rates.perMinute) console.log(`  ${n.toFixed(1).padStart(8)}  ${key}`);
  console.log(`  ${(result.rates.total / result.rates.minutes).toFixed(1).padStart(8)}  total; LIST ${result.listPerMin.toFixed(1)}/min; status writes ${result.statusWritesPerMin.toFixed(1)}/min`);
}

function printTable(results: SizeResult[]): void {
  console.log('\npods | Running→all attested s | per stand-in pod p50/p95/max s | RSS median/peak MiB | CPU cores | CPU s/round | req/min | LIST/min | status writes/min | cordon s | dashboard FCP/rows ms | page update ms');
  for (const r of results) {
    console.log(
      [
        r.size,
        r.attestAfterRunningS.toFixed(1),
        `${r.perPod.p50.toFixed(1)}/${r.perPod.p95.toFixed(1)}/${r.perPod.max.toFixed(1)}`,
        `${r.rss.medianMiB.toFixed(1)}/${r.rss.peakMiB.toFixed(1)}`,
        r.cpuCores.toFixed(3),
        r.cpuPerRoundS.toFixed(3),
        (r.rates.total / r.rates.minutes).toFixed(0),
        r.listPerMin.toFixed(1),
        r.statusWritesPerMin.toFixed(1),
        r.cordonS.toFixed(1),
        `${r.paint.firstContentfulPaintMs}/${r.paint.rowsShownMs}`,
        `${r.pageUpdate.afterTamperMs} (+${r.pageUpdate.afterStatusMs} after status)`,
      ].join(' | '),
    );
  }
}

function summary(results: SizeResult[], failures: Map<number, string>): string {
  const r = results.find((x) => x.size >= 1000);
  if (!r) return `1000 pods: not measured (${failures.get(1000) ?? 'not asked for'})`;
  return (
    `1000 pods: attested ${r.attestAfterRunningS.toFixed(1)} s after all Running, each pod within ${r.slowestPodS.toFixed(1)} s of its own (goal ≤ ${INTERVAL_S + 5}), ` +
    `RSS ${r.rss.medianMiB.toFixed(0)} MiB (peak ${r.rss.peakMiB.toFixed(0)})/256, CPU ${r.cpuCores.toFixed(3)} cores steady (${r.cpuPerRoundS.toFixed(3)} s per round), ` +
    `LIST/min ${r.listPerMin.toFixed(1)}, status writes/min ${r.statusWritesPerMin.toFixed(1)}, cordon ${r.cordonS.toFixed(1)} s (goal ≤ ${2 * INTERVAL_S}), ` +
    `dashboard ${r.paint.rowsShownMs}/${r.pageUpdate.afterTamperMs} ms`
  );
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '10,100,1000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 5)) throw new Error(`usage: bench/operator/run.js [sizes, e.g. 10,100,1000] (each ≥ 5; got ${process.argv[2]})`);
  const results: SizeResult[] = [];
  const failures = new Map<number, string>();
  for (const size of sizes) {
    try {
      const result = await measureSize(size);
      results.push(result);
      printRates(result);
    } catch (error) {
      failures.set(size, (error as Error).message.split('\n')[0] ?? '');
      log(`${size} pods: failed: ${(error as Error).message}`);
    }
  }
  printTable(results);
  console.log(summary(results, failures));
  if (results.length === 0) process.exitCode = 1;
}

await main();
