// What every chaos test file sets up on its cluster: the CRD and the operator's access as users install
// them, operator processes (a leader and, when asked, a standby), each in a memory cgroup limited as the
// chart limits the operator's container (so Node sizes its heap as it would there, and an OOM kill shows),
// and the invariant checker watching it all.
import { parseImageReference } from '../../api/v1alpha1/image.js';
import type { ClusterHandle } from '../cluster/jest-cluster.js';
import { HOSTILE_IMAGES, standInProgram } from '../cluster/kubelet/programs.js';
import { ApplianceApi, condition } from '../operator/appliance-api.js';
import { chartOperatorMemoryLimit, entropyImage, installCrd, installOperatorAccess, startOperator, type OperatorProcess } from '../operator/operator-harness.js';
import { createMemoryCgroup, type MemoryCgroup } from '../support/memory-cgroup.js';
import { waitFor } from '../support/wait-for.js';
import { InvariantChecker } from './invariants.js';

/** Probes every 3 s, 2 s each, three misses before Unreachable: fast, yet not flaky on 2 busy cores. */
export const INTERVAL_S = 3;
export const FAST = { attestation: { intervalSeconds: INTERVAL_S, timeoutSeconds: 2, failureThreshold: 3 } };

/** Images whose pods must never be attested. */
export const NEVER_ATTESTED = ['r4-tampered-core', ...Object.values(HOSTILE_IMAGES)];

export const attested = (n: number) => (a: Awaited<ReturnType<ApplianceApi['get']>>) =>
  a.status?.attestedReplicas === n && a.status?.replicas === n && condition(a, 'Available')?.status === 'True';

export interface ChaosSetup {
  api: ApplianceApi;
  checker: InvariantChecker;
  operators: OperatorProcess[];
  kubeconfig: string;
  startOperator(identity: string): Promise<OperatorProcess>;
  /** The operator holding the lease. */
  leader(): Promise<OperatorProcess>;
  /** Takes a killed or stopped operator out of the checker's set. */
  forget(operator: OperatorProcess): void;
  /** OOM kills in the operators' memory cgroups so far. */
  oomKills(): number;
}

export const isLeader = async (o: OperatorProcess) => /^r4_operator_leader 1$/m.test((await o.get('/metrics')).body);

/** beforeAll/afterAll for a chaos file: `identities` operators, the checker; returns a getter. */
export function useChaosSetup(local: ClusterHandle, identities: string[]): () => ChaosSetup {
  let setup: ChaosSetup | undefined;
  const cgroups: MemoryCgroup[] = [];
  beforeAll(async () => {
    await installCrd(local.clients);
    const kubeconfig = await installOperatorAccess(local.cluster, local.clients);
    const operators: OperatorProcess[] = [];
    const repository = parseImageReference(entropyImage(local.cluster).image).repository;
    const allowed = [repository, standInProgram.image, ...NEVER_ATTESTED].join(',');
    const start = async (identity: string) => {
      const cgroup = createMemoryCgroup(`r4-chaos-${process.pid}-${identity}`, chartOperatorMemoryLimit());
      cgroups.push(cgroup);
      const o = await startOperator(local.cluster, kubeconfig, identity, { R4_ALLOWED_IMAGE_REPOSITORIES: allowed }, cgroup.wrap);
      operators.push(o);
      return o;
    };
    for (const identity of identities) await start(identity);
    const checker = await InvariantChecker.start({ kc: local.cluster.kc, operatorPids: () => operators.map((o) => o.process.pid), hostileImages: NEVER_ATTESTED });
    setup = {
      api: new ApplianceApi(local.clients),
      checker,
      operators,
      kubeconfig,
      startOperator: start,
      leader: () =>
        waitFor(async () => {
          const leaders = (await Promise.all(operators.map(async (o) => ((await isLeader(o)) ? [o] : [])))).flat();
          return { ok: leaders.length === 1, state: leaders };
        }, 60_000, 'exactly one leading operator').then((l) => l[0] as OperatorProcess),
      forget: (o) => void operators.splice(operators.indexOf(o), 1),
      oomKills: () => cgroups.reduce((sum, c) => sum + c.oomKills(), 0),
    };
  }, 180_000);
  afterAll(async () => {
    if (!setup) return;
    process.stderr.write(`${setup.checker.report()}\n`);
    await setup.checker.stop();
    await Promise.all(setup.operators.map((o) => o.stop()));
    await Promise.all(cgroups.map((c) => c.remove()));
  }, 60_000);
  return () => {
    if (!setup) throw new Error('the chaos setup did not start; see the beforeAll error above');
    return setup;
  };
}

/** Runs a step and prints how long it took, so every fault's cost is in the test's output. */
export async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await step();
  } finally {
    process.stderr.write(`chaos: ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
