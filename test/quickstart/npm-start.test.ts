// The README's first command, as a user runs it: `npm start` with the machine's own npm (Node 20 here,
// end of life) brings up the service on r4's pinned Node 24, says so once on stderr, serves bytes with
// the key "demo" in demo mode (said in its banner and in /version, fail-closed STRICT_FIPS kept), and a
// SIGTERM to it leaves nothing running. The README's /vrf commands, run as written, verify offline.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../support/free-port.js';
import { processGroup } from '../support/processes.js';
import { repoRoot } from '../support/repo-paths.js';
import { waitFor } from '../support/wait-for.js';

const pinned = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(repoRoot, 'scripts/node/versions.env'), 'utf8'))?.[1];
/** The README's shell block that shows /vrf, with the example's port replaced by the test's. */
function readmeVrfCommands(port: number): string {
  const blocks = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('```sh\n').slice(1).map((b) => b.split('```')[0] as string);
  const block = blocks.find((b) => b.includes('/vrf?alpha='));
  if (block === undefined) throw new Error('the README shows no /vrf command');
  return block.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`);
}

/** What the README's /vrf commands write in the checkout. */
const README_FILES = ['answer.json', 'keys.json'];

/** PATH as the user's shell has it: without the pinned Node that runs this test. */
const userPath = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('/r4/node/')).join(':');

test('npm start serves on Node 24 whatever the machine\'s node is, and stops cleanly', async () => {
  const port = await freeLoopbackPort();
  // The VRF keyset npm start makes goes to a directory of this test's own.
  const state = mkdtempSync(join(tmpdir(), 'r4-quickstart-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: userPath, PORT: String(port), API_HOST: '127.0.0.1', XDG_STATE_HOME: state };
  for (const name of ['R4_NODE_SAID', 'API_KEY', 'API_KEYS_FILE', 'R4_DEMO', 'STRICT_FIPS', 'npm_config_prefix']) delete env[name];
  const npm = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  npm.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  npm.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  try {
    const { line } = await waitFor(
      async () => {
        const found = stdout.split('\n').find((l) => l.includes('"msg":"listening"'));
        return { ok: found !== undefined, state: { line: found, stdout: stdout.slice(-2000), stderr: stderr.slice(-2000) } };
      },
      240_000,
      'npm start to listen',
    );
    const record = JSON.parse(line as string) as { node: string; mode: string };
    expect(record).toMatchObject({ node: `v${pinned}`, mode: 'sealed' });
    const announced = stderr.split('\n').filter((l) => l.startsWith('r4: running on Node'));
    expect(announced).toEqual([expect.stringContaining(`Node v${pinned}`)]);

    const answer = await fetch(`http://127.0.0.1:${port}/random?n=32&fmt=hex`, { headers: { 'x-api-key': 'demo' } });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toMatch(/^[0-9a-f]{64}$/);
    expect(stderr).toContain('DEMO MODE (R4_DEMO=1): API key: demo');
    expect(await (await fetch(`http://127.0.0.1:${port}/version`)).json()).toMatchObject({ demo: true, strict_fips: true, mode: 'sealed' });

    // As the README says, from the checkout: a /vrf answer and the keys, verified by `npx r4`, and a pulse.
    const readme = spawnSync('sh', ['-euc', readmeVrfCommands(port)], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
    expect({ status: readme.status, stderr: readme.stderr.slice(-1000) }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(readme.stdout).toContain('verified: 1 item, every check passed');
    expect(readme.stdout).toMatch(/"chain_id":"[0-9a-f]{32}"/);

    process.kill(-(npm.pid as number), 'SIGTERM');
    await exited;
    // npm, its shells, node and the core: all of them gone.
    await waitFor(async () => ({ ok: processGroup(npm.pid as number).length === 0, state: processGroup(npm.pid as number) }), 15_000, 'every process of npm start to exit');
  } finally {
    if (npm.exitCode === null && npm.signalCode === null) process.kill(-(npm.pid as number), 'SIGKILL');
    rmSync(state, { recursive: true, force: true });
    for (const file of README_FILES) rmSync(join(repoRoot, file), { force: true });
  }
}, 300_000);
