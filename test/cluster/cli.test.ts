// `npm run cluster -- up|down` as a person uses it: up prints the export lines, a second up reuses the
// running cluster, kubectl works with those lines, and down leaves nothing. A cluster process that is
// interrupted or killed also leaves nothing behind.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { processesMentioning } from '../support/processes.js';
import { findLeftovers, nothingLeft } from './leftovers.js';
import { listBridges, parseAlias } from './pod-network.js';
import { clusterSourceDir, compiledDir } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const cli = join(compiledDir, 'test', 'cluster', 'cli.js');

/** The CLI runs compiled; refuse to test a build older than the sources. */
function assertCompiledCliIsCurrent(): void {
  if (!existsSync(cli)) throw new Error(`${cli} is missing; run: npm run build:ts`);
  const built = statSync(cli).mtimeMs;
  const sources = [clusterSourceDir, join(clusterSourceDir, 'kubelet')].flatMap((dir) =>
    readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(dir, f)),
  );
  const newer = sources.filter((f) => statSync(f).mtimeMs > built);
  if (newer.length > 0) throw new Error(`${cli} is older than ${newer.join(', ')}; run: npm run build:ts`);
}

const freshStateDir = () => join(tmpdir(), `r4-cluster-clitest-${randomBytes(4).toString('hex')}`);

async function slotOwnedBy(dir: string): Promise<number> {
  const bridge = (await listBridges()).find((b) => parseAlias(b.ifalias)?.dir === dir);
  if (!bridge) throw new Error(`no pod network bridge belongs to ${dir}`);
  return Number(bridge.ifname.replace(/^\D+/, ''));
}

function cluster(stateDir: string, ...args: string[]) {
  return run(process.execPath, [cli, ...args], { env: { ...process.env, R4_CLUSTER_STATE_DIR: stateDir }, timeout: 200_000 });
}

beforeAll(assertCompiledCliIsCurrent);

test('up starts one cluster in the background, kubectl reaches it, down removes everything', async () => {
  const stateDir = freshStateDir();
  try {
    const first = await cluster(stateDir, 'up');
    const lines = first.stdout.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^export KUBECONFIG=\//), expect.stringMatching(/^export PATH=\/.*:\$PATH$/)]);
    const kubeconfig = lines[0]!.slice('export KUBECONFIG='.length);
    const binDir = lines[1]!.slice('export PATH='.length, -':$PATH'.length);
    const daemonPid = Number(readFileSync(join(stateDir, 'daemon.pid'), 'utf8'));

    const second = await cluster(stateDir, 'up');
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('already running');
    expect(Number(readFileSync(join(stateDir, 'daemon.pid'), 'utf8'))).toBe(daemonPid);
    // One cluster: one etcd on this state directory.
    expect(processesMentioning(`--data-dir=${join(stateDir, 'etcd')}`)).toHaveLength(1);

    const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${binDir}:${process.env.PATH}` };
    const nodes = await waitFor(
      async () => {
        const { stdout } = await run('kubectl', ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'], { env });
        return { ok: stdout.includes('r4-node-1'), state: stdout };
      },
      30_000,
      'kubectl get nodes to list r4-node-1',
    );
    expect(nodes).toBe('r4-node-1');
    const { stdout: helmVersion } = await run('helm', ['version', '--short'], { env });
    expect(helmVersion).toMatch(/^v\d+\.\d+\.\d+/);

    const slot = await slotOwnedBy(stateDir);
    // Another pid namespace on this network (a chroot check, a container sharing the host's network) sees no
    // process with the owner's pid, or another one: looking for abandoned slots, it must leave this one be.
    const podNetwork = pathToFileURL(join(compiledDir, 'test', 'cluster', 'pod-network.js')).href;
    await run('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--input-type=module', '-e', `(await import(${JSON.stringify(podNetwork)})).reclaimAbandonedSlots()`]);
    expect(await slotOwnedBy(stateDir)).toBe(slot);
    await cluster(stateDir, 'down');
    expect(await findLeftovers({ dir: stateDir, slot, pids: [daemonPid] })).toEqual(nothingLeft);
    expect(existsSync(`${stateDir}.log`)).toBe(false);
  } finally {
    await cluster(stateDir, 'down').catch(() => undefined);
  }
}, 300_000);

// SIGINT is Ctrl-C: the process tears down gracefully. SIGKILL leaves it no say at all: its processes die
// with it (parent-death signal) and the teardown guard removes the pod network and the directory.
test.each(['SIGINT', 'SIGKILL'] as const)('a cluster process killed with %s leaves nothing behind', async (signal) => {
  const stateDir = freshStateDir();
  const server = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, R4_CLUSTER_STATE_DIR: stateDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(server, 'exit');
  try {
    await waitFor(
      async () => ({ ok: existsSync(join(stateDir, 'ready')), state: output }),
      180_000,
      'the cluster process to report ready',
    );
    const slot = await slotOwnedBy(stateDir);
    const components = processesMentioning(stateDir).map((line) => Number(line.split(' ')[0]));
    server.kill(signal);
    const [code, exitSignal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal: exitSignal }).toEqual({ code: null, signal });
    await waitFor(
      async () => {
        const left = await findLeftovers({ dir: stateDir, slot, pids: [server.pid!, ...components] });
        return { ok: JSON.stringify(left) === JSON.stringify(nothingLeft), state: left };
      },
      10_000,
      `everything of the cluster in ${stateDir} to be gone`,
    );
  } finally {
    server.kill('SIGKILL');
  }
}, 240_000);
