// The unit file and its settings example, checked without running them: systemd's own analyzer accepts the
// unit without a single warning (it would name a misspelt or unknown setting, or a program that is not
// there), and every setting the example shows is one the service's configuration parser accepts. The unit
// is checked against the tree install.sh stages (its /opt/r4, the pinned Node in it included).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../service/config.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const unitDir = path.join(repoRoot, 'deploy/systemd');
const unit = path.join(unitDir, 'r4.service');
const pinnedNode = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(path.join(repoRoot, 'scripts/node/versions.env'), 'utf8'))?.[1];

/** `systemd-analyze verify`: exit code and everything it printed (it exits 0 on warnings, so both count). */
function verify(file: string): { code: number | null; output: string } {
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

let staged: string;
let stagedUnit: string;
beforeAll(() => {
  staged = mkdtempSync(path.join(tmpdir(), 'r4-unit-stage-'));
  execFileSync('sh', [path.join(unitDir, 'install.sh'), staged], { cwd: repoRoot, stdio: 'pipe', timeout: 120_000 });
  // The installed unit, pointed at the staged /opt/r4.
  stagedUnit = path.join(staged, 'r4.service');
  writeFileSync(stagedUnit, readFileSync(path.join(staged, 'etc/systemd/system/r4.service'), 'utf8').replaceAll('/opt/r4', path.join(staged, 'opt/r4')));
}, 180_000);
afterAll(() => rmSync(staged, { recursive: true, force: true }));

describe('deploy/systemd/r4.service', () => {
  test('systemd-analyze verify accepts it, as installed, and prints nothing', () => {
    expect(verify(stagedUnit)).toEqual({ code: 0, output: '' });
  }, 60_000);

  test('the same check names a misspelt setting, so its silence above means something', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'r4-unit-'));
    try {
      const broken = path.join(dir, 'r4.service');
      writeFileSync(broken, readFileSync(stagedUnit, 'utf8').replace('ProtectSystem=strict', 'ProtectSytem=strict'));
      expect(verify(broken).output).toMatch(/Unknown key 'ProtectSytem'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('declares the sandbox the issue asks for', () => {
    const text = readFileSync(unit, 'utf8');
    for (const setting of [
      'ProtectSystem=strict', 'ProtectHome=yes', 'MemoryDenyWriteExecute=yes', 'NoNewPrivileges=yes', 'TemporaryFileSystem=/tmp:size=64M,mode=1777,nosuid,nodev',
      'SystemCallFilter=@system-service', 'CapabilityBoundingSet=', 'User=r4',
    ]) {
      expect(text).toMatch(new RegExp(`^${setting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    // MemoryDenyWriteExecute kills V8's JIT (systemd-host.test.ts shows it), so node must run without one;
    // and it is the pinned Node that install.sh copies into /opt/r4.
    expect(text).toMatch(/^ExecStart=\/opt\/r4\/node\/bin\/node --jitless /m);
    expect(execFileSync(path.join(staged, 'opt/r4/node/bin/node'), ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${pinnedNode}`);
  });
});

describe('deploy/systemd/r4.env.example', () => {
  test('its settings, the optional ones included, pass the service\'s own configuration parser', () => {
    const env: Record<string, string> = {};
    for (const line of readFileSync(path.join(unitDir, 'r4.env.example'), 'utf8').split('\n')) {
      const setting = /^#?([A-Z][A-Z0-9_]*)=(\S*)$/.exec(line.trim());
      if (setting?.[1] !== undefined && setting[2] !== undefined) env[setting[1]] = setting[2];
    }
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['API_KEYS_FILE', 'API_HOST', 'PORT', 'STRICT_FIPS']));
    const parsed = parseConfig(env, { packageRoot: '/opt/r4', tmpDir: '/tmp', cwd: '/opt/r4' });
    expect(parsed).toMatchObject({ ok: true, config: { strictFips: true, apiKeys: { kind: 'file', path: '/etc/r4/api-keys' } } });
  });
});
