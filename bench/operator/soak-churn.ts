// The soak's churn on a cluster with a running operator: appliances holding about `pods` pods, of which one
// in fifty run a tampered core (an appliance of the r4-tampered-core fixture); then, for `minutes`, 10 % of
// the pods deleted per minute (a slice every 10 s), 10 % of the appliances scaled by one replica up or down
// each minute, the tampered pods deleted each minute (replaced by new tampered ones), while a TransitionChecker
// counts missed transitions. Each minute prints the operator's RSS, its watch restarts and the misses so far.
// Shared by test/chaos/soak.test.ts and bench/operator/soak.ts.
import { readFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { APPLIANCE_LABEL } from '../../api/v1alpha1/labels.js';
import type { Clients } from '../../test/cluster/jest-cluster.js';
import type { ApplianceApi } from '../../test/operator/appliance-api.js';
import type { OperatorProcess } from '../../test/operator/operator-harness.js';
import { waitFor } from '../../test/support/wait-for.js';
import type { TransitionChecker } from './transitions.js';

export interface SoakOptions {
  clients: Clients;
  api: ApplianceApi;
  namespace: string;
  /** The Secret with the appliances' API keys, in `namespace`. */
  apiKeySecret: string;
  pods: number;
  minutes: number;
  intervalSeconds: number;
  /** The r4-tampered-core fixture, pinned as the cluster reports it. */
  tamperedImage: string;
  operator: OperatorProcess;
  transitions: TransitionChecker;
  log(line: string): void;
}

export interface SoakMinute {
  minute: number;
  pods: number;
  attested: number;
  rssMiB: number;
  watchRestarts: number;
  deleted: number;
  scaled: number;
  misses: number;
  lost: number;
}

const TICK_MS = 10_000;
const PODS_PER_APPLIANCE = 5;
/** VmRSS of a process in MiB (0 once it is gone). */
function rssMiB(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? 0 : Number(kb) / 1024;
  } catch {
    return 0;
  }
}

/** Restarts of the operator's watches so far: its metric when it has one, else its log lines saying so. */
async function watchRestarts(operator: OperatorProcess): Promise<number> {
  const metrics = (await operator.get('/metrics').catch(() => ({ body: '' }))).body;
  const samples = [...metrics.matchAll(/^r4_operator_watch_restarts_total(?:\{[^}]*\})? (\d+)$/gm)];
  if (samples.length > 0) return samples.reduce((sum, m) => sum + Number(m[1]), 0);
  return operator.logs().split('\n').filter((line) => line.includes('watch failed; restarting')).length;
}

const pick = <T>(items: T[], n: number): T[] => {
  const copy = [...items];
  const chosen: T[] = [];
  while (chosen.length < n && copy.length > 0) chosen.push(copy.splice(Math.floor(Math.random() * copy.length), 1)[0] as T);
  return chosen;
};

export async function runSoak(o: SoakOptions): Promise<SoakMinute[]> {
  const tampered = Math.max(1, Math.round(o.pods / 50));
  const healthyPods = o.pods - tampered;
  const count = Math.max(2, Math.round(healthyPods / PODS_PER_APPLIANCE));
  const replicas = new Map<string, number>();
  for (let i = 0; i < count; i++) replicas.set(`soak-${i}`, Math.floor(healthyPods / count) + (i < healthyPods % count ? 1 : 0));
  const attestation = { intervalSeconds: o.intervalSeconds, timeoutSeconds: Math.min(2, o.intervalSeconds), failureThreshold: 3 };
  const spec = (n: number) => ({ apiKeySecretRef: { name: o.apiKeySecret }, replicas: n, attestation });
  await Promise.all([...replicas].map(([name, n]) => o.api.create(o.namespace, name, spec(n))));
  await o.api.create(o.namespace, 'soak-tampered', { ...spec(tampered), image: o.tamperedImage });
  const total = () => [...replicas.values()].reduce((a, b) => a + b, 0) + tampered;
  await waitFor(async () => {
    const statuses = await Promise.all([...replicas.keys()].map((name) => o.api.get(o.namespace, name)));
    const attested = statuses.reduce((sum, a) => sum + (a.status?.attestedReplicas ?? 0), 0);
    return { ok: attested === healthyPods, state: `${attested} of ${healthyPods} attested` };
  }, 300_000, `the soak's ${healthyPods} healthy pods to be attested`);
  const exempt = o.transitions.exemptExisting();
  o.log(`soak: ${count} appliances, ${healthyPods} healthy pods and ${tampered} tampered (${exempt} pods of this initial fleet owe no start-up deadline); ${o.minutes} minutes of churn`);

  const minutes: SoakMinute[] = [];
  const livePods = async (): Promise<V1Pod[]> =>
    (await o.clients.core.listNamespacedPod({ namespace: o.namespace, labelSelector: APPLIANCE_LABEL })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const ticksPerMinute = 60_000 / TICK_MS;
  let restartsBefore = await watchRestarts(o.operator);
  let owed = 0;
  const started = Date.now();
  for (let minute = 1; minute <= o.minutes; minute++) {
    let deleted = 0;
    // 10 % of the appliances one replica up or down, keeping the total near `pods`.
    const names = pick([...replicas.keys()], Math.max(1, Math.round(count / 10)));
    for (const name of names) {
      const n = replicas.get(name) ?? 1;
      const next = total() > o.pods || (total() === o.pods && Math.random() < 0.5) ? Math.max(1, n - 1) : n + 1;
      replicas.set(name, next);
      await o.api.patchSpec(o.namespace, name, { replicas: next });
    }
    // The tampered pod goes too: its replacement is a new tampered pod for the checker (one in fifty stays so).
    const tamperedPods = (await livePods()).filter((p) => p.metadata?.labels?.[APPLIANCE_LABEL] === 'soak-tampered');
    await Promise.all(tamperedPods.map((p) => o.clients.core.deleteNamespacedPod({ name: p.metadata?.name ?? '', namespace: o.namespace }).catch(() => undefined)));
    deleted += tamperedPods.length;
    for (let tick = 0; tick < ticksPerMinute; tick++) {
      const pods = await livePods();
      // 10 % a minute, spread over its ticks; the fraction carries over, so a small fleet loses whole pods.
      owed += (pods.length * 0.1) / ticksPerMinute;
      const victims = pick(pods, Math.floor(owed));
      owed -= victims.length;
      await Promise.all(victims.map((p) => o.clients.core.deleteNamespacedPod({ name: p.metadata?.name ?? '', namespace: o.namespace }).catch(() => undefined)));
      deleted += victims.length;
      const until = started + ((minute - 1) * ticksPerMinute + tick + 1) * TICK_MS;
      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
    }
    o.transitions.prune();
    const pods = await livePods();
    const restarts = await watchRestarts(o.operator);
    const line: SoakMinute = {
      minute,
      pods: pods.length,
      attested: pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'r4.dev/attested' && c.status === 'True')).length,
      rssMiB: Math.round(rssMiB(o.operator.process.pid) * 10) / 10,
      watchRestarts: restarts - restartsBefore,
      deleted,
      scaled: names.length,
      misses: o.transitions.misses.length,
      lost: o.transitions.lost.length,
    };
    restartsBefore = restarts;
    minutes.push(line);
    o.log(`soak minute ${minute}: ${line.pods} pods (${line.attested} attested), ${line.deleted} deleted, ${line.scaled} appliances scaled; operator RSS ${line.rssMiB} MiB, watch restarts ${line.watchRestarts}; missed transitions so far ${line.misses} (lost ${line.lost})`);
  }
  return minutes;
}
