// The README's "On Kubernetes" commands, run exactly as written (in a state directory of
// their own, so a cluster a person has running is not touched): they must keep working.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/repo-paths.js';

const run = promisify(execFile);

/** The first ```sh block after the given heading of README.md. */
export function readmeBlock(heading: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block || section.length === readme.length + 1) throw new Error(`README.md has no sh block under "${heading}"`);
  return block;
}

test('the README: cluster up, helm install, attested, helm test over HTTPS through the Service, a tampered pod, a lying image and a rogue pod kept out of traffic, uninstall, cluster down', async () => {
  const block = readmeBlock('## On Kubernetes');
  expect(block).toContain('helm install r4 charts/r4');
  const env = { ...process.env, R4_CLUSTER_STATE_DIR: join(tmpdir(), `r4-cluster-readme-${randomBytes(4).toString('hex')}`) };
  try {
    const { stdout, stderr } = await run('bash', ['-euo', 'pipefail', '-c', block], { cwd: repoRoot, env, timeout: 600_000 });
    expect(stdout).toContain('STATUS: deployed');
    expect(stdout).toContain('entropyappliance.r4.dev/demo condition met');
    expect(stdout).toMatch(/^demo\s+2\s+2\s+0\s+True\s/m);
    expect(stdout.match(/Phase:\s+Succeeded/g)).toHaveLength(3);
    expect(stdout).toMatch(/^demo\s+\d+\s+2\s+1\s+True\s/m);
    expect(stdout).toMatch(/HashMismatch.*core sha256/);
    expect(stdout).toMatch(/ImageDigestMismatch.*the kubelet reports image sha256:[0-9a-f]{64}; the appliance runs sha256:/);
    // The EndpointSlice: the two attested pods, before the tamper and after the rogue pod came.
    const listed = stdout.split('\n').filter((line) => /^(demo-\S+ ?)+$/.test(line));
    expect(listed).toHaveLength(2);
    for (const line of listed) expect(line.split(' ')).toHaveLength(2);
    expect(stdout).not.toMatch(/^.*\brogue\b.*demo-/m);
    expect(stdout).toContain('release "r4" uninstalled');
    expect(stderr).toContain('No resources found in r4-system namespace.');
    expect(stderr).toContain('stopped; nothing left behind');
  } finally {
    await run(process.execPath, [join(repoRoot, 'dist/test/cluster/cli.js'), 'down'], { env }).catch(() => undefined);
  }
}, 660_000);
