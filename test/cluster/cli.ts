// `npm run cluster -- up|down|image-digest <image>`: the test cluster for people. `up` starts it in the background (once: a
// second `up` finds the running one): a control plane and a node whose kubelet runs pods as local
// processes, with Services reachable from pods. r4 itself goes in as users install it: `helm install` of
// charts/r4 (README). It prints the shell lines that point kubectl and helm at the cluster, so
// `eval "$(npm run -s cluster -- up)"` works; `down` stops it and removes everything.
// Progress and errors go to stderr; stdout carries only the export lines.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../support/backoff.js';
import { binaryDir, binaryPath, type BinaryName } from './binaries.js';
import { startCluster } from './cluster.js';
import { programDigest, programFor, unmappedImageMessage } from './kubelet/programs.js';
import { tailOfFile } from '../support/log-tail.js';
import { alive } from '../support/processes.js';
import { reclaimAbandonedSlots } from './pod-network.js';

// The name must start with r4-cluster-: abandoned-slot reclaiming only removes directories named so.
const stateDir = process.env.R4_CLUSTER_STATE_DIR ?? join(tmpdir(), `r4-cluster-up-${process.getuid?.() ?? 0}`);
const pidFile = join(stateDir, 'daemon.pid');
const readyFile = join(stateDir, 'ready');
// Beside the state directory, not in it: a cluster that fails to start removes its directory.
const daemonLog = `${stateDir}.log`;
const startTimeoutMs = 180_000;
const abandonedStartMs = 60_000;

const say = (line: string) => process.stderr.write(`r4 cluster: ${line}\n`);

function readPid(): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A state directory without a pid file belongs to an `up` that is just starting, unless it is old. */
function startingNow(): boolean {
  try {
    return Date.now() - statSync(stateDir).mtimeMs < abandonedStartMs;
  } catch {
    return false;
  }
}

function printExports(): void {
  process.stdout.write(`export KUBECONFIG=${join(stateDir, 'kubeconfig')}\nexport PATH=${binaryDir()}:$PATH\n`);
}

async function waitUntilReady(pid: number): Promise<void> {
  await pollUntil(
    async () => (existsSync(readyFile) ? true : alive(pid) ? undefined : false),
    { timeoutMs: startTimeoutMs, firstDelayMs: 200, maxDelayMs: 1000 },
    () => `the cluster did not become ready within ${startTimeoutMs / 1000}s; see ${daemonLog}`,
  ).then((ready) => {
    if (ready) return;
    const tail = tailOfFile(daemonLog, 30);
    rmSync(daemonLog, { force: true });
    throw new Error(`the cluster failed to start; its last words:\n${tail}`);
  });
}

async function up(): Promise<void> {
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'helm'] as BinaryName[]) {
    binaryPath(name);
  }
  try {
    // The directory is the lock: whoever creates it starts the cluster.
    mkdirSync(stateDir, { mode: 0o700 });
  } catch {
    const pid = readPid();
    if (pid !== undefined && alive(pid)) {
      say(`already running (pid ${pid}, ${stateDir})`);
      await waitUntilReady(pid);
      printExports();
      return;
    }
    if (pid === undefined && startingNow()) {
      throw new Error(`another "cluster up" is starting (${stateDir} has no pid yet); try again in a minute`);
    }
    say(`removing the remains of a cluster that is no longer running (${stateDir})`);
    await reclaimAbandonedSlots();
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { mode: 0o700 });
  }
  say(`starting in the background; logs in ${stateDir}/logs and ${daemonLog}`);
  const log = openSync(daemonLog, 'w');
  const daemon = spawn(process.execPath, [process.argv[1] ?? '', 'serve'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, R4_CLUSTER_STATE_DIR: stateDir },
  });
  closeSync(log);
  daemon.unref();
  if (daemon.pid === undefined) throw new Error(`could not start the cluster process (${process.execPath})`);
  writeFileSync(pidFile, `${daemon.pid}\n`);
  await waitUntilReady(daemon.pid);
  say('ready');
  printExports();
}

/** The background process: runs the cluster until SIGTERM/SIGINT, whose handlers (cluster.ts) tear it down. */
async function serve(): Promise<void> {
  const cluster = await startCluster({ dir: stateDir });
  writeFileSync(readyFile, `${cluster.kubeconfigPath}\n`);
  say(`ready: KUBECONFIG=${cluster.kubeconfigPath}`);
  // Stay up until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

async function down(): Promise<void> {
  const pid = readPid();
  if (pid !== undefined && alive(pid)) {
    say(`stopping (pid ${pid})`);
    process.kill(pid, 'SIGTERM');
    const stopped = await pollUntil(async () => (alive(pid) ? undefined : true), { timeoutMs: 30_000, maxDelayMs: 500 }, () => '').catch(
      () => false,
    );
    if (!stopped) {
      say(`pid ${pid} did not stop within 30s; killing it`);
      process.kill(pid, 'SIGKILL');
    }
  } else if (!existsSync(stateDir)) {
    say('no local cluster is running');
    return;
  } else if (pid === undefined && startingNow()) {
    throw new Error(`a "cluster up" is starting right now (${stateDir} has no pid yet); run down again once it has`);
  }
  // Whatever a killed process could not remove: its pod network and this directory.
  await pollUntil(async () => (pid !== undefined && alive(pid) ? undefined : true), { timeoutMs: 10_000 }, () => `pid ${pid} is still alive`);
  await reclaimAbandonedSlots();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(daemonLog, { force: true });
  say('stopped; nothing left behind');
}

/** The digest the cluster's kubelet reports for an image it runs as a local program (the README pins images with it). */
async function imageDigest(): Promise<void> {
  const image = process.argv[3] ?? '';
  const program = programFor(image);
  if (!program) throw new Error(unmappedImageMessage(image));
  process.stdout.write(`${programDigest(program)}\n`);
}

const commands: Record<string, () => Promise<void>> = { up, down, serve, 'image-digest': imageDigest };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  say('usage: npm run cluster -- up|down|image-digest <image>');
  process.exit(2);
}
command().catch((error: unknown) => {
  say(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
