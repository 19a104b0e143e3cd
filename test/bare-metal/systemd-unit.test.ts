// The unit file and its settings example, checked without running them: systemd's own analyzer accepts the
// unit without a single warning (it would name a misspelt or unknown setting), and every setting the example
// shows is one the service's configuration parser accepts.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../service/config.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const unitDir = path.join(repoRoot, 'deploy/systemd');
const unit = path.join(unitDir, 'r4.service');

/** `systemd-analyze verify`: exit code and everything it printed (it exits 0 on warnings, so both count). */
function verify(file: string): { code: number | null; output: string } {
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

beforeAll(() => {
  // Debian's systemd-analyze comes with the package systemd; install it only when missing.
  if (spawnSync('sh', ['-c', 'command -v systemd-analyze']).status !== 0) {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null'], {
      stdio: 'inherit',
      timeout: 600_000,
    });
  }
}, 660_000);

describe('deploy/systemd/r4.service', () => {
  test('systemd-analyze verify accepts it and prints nothing', () => {
    expect(verify(unit)).toEqual({ code: 0, output: '' });
  }, 60_000);

  test('the same check names a misspelt setting, so its silence above means something', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'r4-unit-'));
    try {
      const broken = path.join(dir, 'r4.service');
      writeFileSync(broken, readFileSync(unit, 'utf8').replace('ProtectSystem=strict', 'ProtectSytem=strict'));
      expect(verify(broken).output).toMatch(/Unknown key 'ProtectSytem'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('declares the sandbox the issue asks for', () => {
    const text = readFileSync(unit, 'utf8');
    for (const setting of [
      'ProtectSystem=strict', 'ProtectHome=yes', 'MemoryDenyWriteExecute=yes', 'NoNewPrivileges=yes', 'PrivateTmp=yes',
      'SystemCallFilter=@system-service', 'CapabilityBoundingSet=', 'User=r4',
    ]) {
      expect(text).toMatch(new RegExp(`^${setting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    // MemoryDenyWriteExecute kills V8's JIT (systemd-host.test.ts shows it), so node must run without one.
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node --jitless /m);
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
