// Every program the code runs on this machine is installed by `npm test`'s setup on a fresh Debian 12:
// it comes from a package of priority "required" (in every Debian, even debootstrap's minbase), or from
// a package scripts/debian-tools.txt lists (scripts/setup.sh installs those), or it is listed there with
// where else it comes from. A machine that happens to have a tool from before hides nothing here: the
// check is which package provides it, not whether it is present.
//
// deploy/ is not read: its scripts run on the systemd host they install r4 on (test/bare-metal/).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../support/repo-paths.js';
import { spawnedCommands, type SpawnedCommand } from './spawned-commands.js';

interface ListedTool {
  group: string;
  command: string;
  package: string;
  purpose: string;
}

const listed: ListedTool[] = readFileSync(join(repoRoot, 'scripts/debian-tools.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [group = '', command = '', pkg = '', ...purpose] = line.trim().split(/\s+/);
    return { group, command, package: pkg, purpose: purpose.join(' ') };
  });

const SOURCE_DIRS = ['api', 'contracts', 'service', 'operator', 'cdk8s', 'test', 'bench', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|sh)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolve(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path.startsWith('/') ? path : undefined;
}

/** The Debian package that installed `path` (usrmerge: dpkg may know it as /bin/x or by its target). */
function packageOf(path: string): string | undefined {
  const real = spawnSync('readlink', ['-f', path], { encoding: 'utf8' }).stdout.trim();
  for (const candidate of [path, path.replace(/^\/usr/, ''), real, real.replace(/^\/usr/, '')]) {
    const result = spawnSync('dpkg-query', ['-S', candidate], { encoding: 'utf8' });
    const owner = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('diversion'))
      .map((line) => /^([^:\s]+(?:, [^:\s]+)*): /.exec(line)?.[1])
      .find(Boolean);
    if (result.status === 0 && owner) return owner.split(', ')[0]?.replace(/:amd64$/, '');
  }
  return undefined;
}

const priorityOf = (pkg: string) => spawnSync('dpkg-query', ['-W', '-f=${Priority}', pkg], { encoding: 'utf8' }).stdout.trim();
const installed = (pkg: string) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout.includes('install ok installed');

/** The reader's own tests hold made-up commands as samples. */
const SAMPLES = 'test/setup/spawned-commands.test.ts';
const found: SpawnedCommand[] = SOURCE_DIRS.flatMap(sourceFiles).filter((f) => f !== SAMPLES).flatMap((file) => spawnedCommands(relative(repoRoot, join(repoRoot, file)), readFileSync(join(repoRoot, file), 'utf8')));
const byCommand = new Map<string, SpawnedCommand[]>();
for (const c of found) byCommand.set(c.command, [...(byCommand.get(c.command) ?? []), c]);

test('the reading finds what the code is known to run', () => {
  for (const command of ['ip', 'iptables-restore', 'openssl', 'setpriv', 'make', 'podman', 'wrk']) expect([command, byCommand.has(command)]).toEqual([command, true]);
});

test('every Debian package of the list is installed once setup has run', () => {
  const missing = [...new Set(listed.filter((t) => t.package !== '-').map((t) => t.package))].filter((pkg) => !installed(pkg));
  expect(missing).toEqual([]);
});

test('every listed command is provided by the package the list names', () => {
  const wrong = listed
    .filter((t) => t.command !== '-' && t.package !== '-')
    .map((t) => {
      const path = resolve(t.command);
      const pkg = path && packageOf(path);
      return pkg === t.package ? undefined : `${t.command}: listed as from ${t.package}, but ${path ? `${path} is from ${pkg ?? 'no package'}` : 'it is not installed'}`;
    })
    .filter(Boolean);
  expect(wrong).toEqual([]);
});

test('every program the code runs is in every Debian 12 or installed by the setup', () => {
  const listedCommands = new Set(listed.map((t) => t.command));
  const problems: string[] = [];
  for (const [command, places] of byCommand) {
    // Tests name a program that must not exist r4-no-such-*.
    if (listedCommands.has(command) || command.startsWith('r4-no-such-')) continue;
    const where = places[0]?.where ?? '?';
    const certain = places.some((p) => p.certain);
    const path = resolve(command);
    if (!path) {
      // A shell word that is no program here (a function of a sourced file, a variable's value) is not a finding.
      if (certain) problems.push(`${command} (run at ${where}) is not installed here and not in scripts/debian-tools.txt`);
      continue;
    }
    const pkg = packageOf(path);
    if (!pkg) problems.push(`${command} (run at ${where}) is ${path}, which no Debian package provides: list it in scripts/debian-tools.txt with where it comes from`);
    else if (priorityOf(pkg) !== 'required') problems.push(`${command} (run at ${where}) comes from ${pkg} (priority ${priorityOf(pkg)}), which a fresh Debian 12 may lack: list it in scripts/debian-tools.txt`);
  }
  expect(problems).toEqual([]);
});
