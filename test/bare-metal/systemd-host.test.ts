// r4 on bare metal, for real: on a Debian 12 host with systemd 252 as PID 1 (a container, since this machine
// has no systemd running), deploy/systemd/install.sh installs the built checkout, systemd runs r4.service
// under its whole sandbox, and the service attests its core and serves bytes. The sandbox is read back
// from the kernel, not from the unit file. The container gets CAP_SYS_ADMIN because systemd as PID 1 needs
// it to build each unit's namespaces, as it has on a real host.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareBase } from '../support/image-build.js';
import { runContainer, sleep, waitForHttp, type Container } from '../image/containers.js';
import { get, getJson } from '../image/http.js';
import { podman } from '../support/podman.js';
import { TestRun } from '../support/test-run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const hostImage = 'r4-systemd-host:test';
const nodeDir = path.dirname(execFileSync('sh', [path.join(repoRoot, 'scripts/node/ensure.sh')], { encoding: 'utf8' }).trim());

let run: TestRun;
let host: Container;
let apiKey: string;
/** What install.sh printed. */
let installOutput: string;

/** Runs a shell command on the systemd host as root and returns what it printed. */
const onHost = (script: string) => host.exec(['sh', '-c', script]);

beforeAll(async () => {
  run = TestRun.start();
  await prepareBase(run);
  // The Containerfile copies nothing in: the checkout is mounted when the host runs. Cached after the first build.
  await podman(['build', '--pull=never', '--layers', '--quiet', '--file', path.join(here, 'systemd-host.Containerfile'), '--tag', hostImage, here], 1_200_000);
  host = await runContainer(run, {
    image: hostImage,
    port: 8080,
    purpose: 'systemd-host',
    // The checkout, and the pinned Node 24 install.sh puts into /opt/r4 (found by its cache path, as on a host).
    flags: ['--systemd=always', '--cap-add', 'SYS_ADMIN', '--volume', `${repoRoot}:/src:ro`, '--volume', `${nodeDir}:${nodeDir}:ro`],
  });
  await onHost('systemctl is-system-running --wait || true');
  installOutput = await onHost(`R4_NODE=${nodeDir}/bin/node sh /src/deploy/systemd/install.sh 2>&1`);
  process.stderr.write(installOutput);
  // Reached from outside the container: 0.0.0.0, in plain HTTP by explicit opt-in (the port is published on 127.0.0.1).
  await onHost('sed -i "s/^API_HOST=.*/API_HOST=0.0.0.0/" /etc/r4/r4.env && echo ALLOW_PLAIN_HTTP=1 >>/etc/r4/r4.env && systemctl enable --now r4');
  apiKey = (await onHost('grep -v "^#" /etc/r4/api-keys')).trim();
  await waitForHttp(host, '/health');
}, 1_800_000);

afterAll(async () => {
  await run?.close();
}, 120_000);

test('install.sh made the user r4, and key files (API, VRF) only root and r4 can read; the installed unit verifies', async () => {
  expect(await onHost('stat -c "%U:%G %a" /etc/r4/api-keys /etc/r4/vrf-keyset.json /etc/r4/r4.env')).toBe('root:r4 640\nroot:r4 640\nroot:root 600\n');
  expect(await onHost('id -nG r4')).toBe('r4\n');
  expect(await onHost('systemd-analyze verify /etc/systemd/system/r4.service 2>&1')).toBe('');
}, 60_000);

test('install.sh never prints the key it creates: it says where the key is, and the key is long enough', async () => {
  expect(apiKey).toMatch(/^[0-9a-f]{48}$/);
  expect(installOutput).toContain('created /etc/r4/api-keys with one new key');
  expect(installOutput).not.toContain(apiKey);
  expect(installOutput).not.toContain(apiKey.slice(0, 16));
}, 60_000);

test('the service attests the installed core (the checkout\'s manifest) and serves bytes', async () => {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'native/build/manifest.json'), 'utf8')) as { core_sha256: string };
  const version = await getJson<{ integrity: string; selftest: string; mode: string; core_sha256: string }>(`${host.url}/version`);
  expect(version).toMatchObject({ integrity: 'verified', selftest: 'pass', mode: 'sealed', core_sha256: manifest.core_sha256 });
  const answer = await get(`${host.url}/random?n=32&fmt=hex`, { 'x-api-key': apiKey });
  expect(answer.status).toBe(200);
  expect(answer.text).toMatch(/^[0-9a-f]{64}$/);
  // /vrf too, with the keys install.sh made with the core, under the unit's --jitless and W^X memory.
  const vrf = await get(`${host.url}/vrf?alpha=00ff`, { 'x-api-key': apiKey });
  expect(vrf.status).toBe(200);
  expect(JSON.parse(vrf.text)).toMatchObject({ verified: true, core_sha256: manifest.core_sha256, alpha: '00ff' });
}, 60_000);

test('node and the core run as r4, with no capabilities, no new privileges, seccomp, a read-only root and a private /tmp of 64 MiB', async () => {
  const report = await onHost(`
    main=$(systemctl show -p MainPID --value r4)
    core=$(cat /proc/$main/task/*/children | tr ' ' '\\n' | grep -m1 .)
    for pid in $main $core; do
      # By the program it runs (argv[0]): Node 24 names its main thread "MainThread", so comm no longer says
      # node, and /proc/<pid>/exe is hidden from a root without CAP_SYS_PTRACE.
      echo "== $(basename "$(tr '\\0' '\\n' </proc/$pid/cmdline | head -n 1)")"
      grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$pid/status
      awk '$5 == "/" || $5 == "/home" || $5 == "/opt/r4" { print "mount " $5 " " $6 }
        $5 == "/tmp" { for (i = 7; i < NF; i++) if ($i == "-") print "tmp " $(i + 1) " " $(i + 3) }' /proc/$pid/mountinfo
    done
    echo "== host /tmp"; ls /tmp`);
  const uid = (await onHost('id -u r4')).trim();
  const [, ...processes] = report.split(/^== /m);
  const byName = new Map(processes.map((block) => [block.split('\n')[0], block]));
  expect([...byName.keys()].sort()).toEqual(['host /tmp', 'node', 're4_dump']);
  for (const name of ['node', 're4_dump']) {
    const status = byName.get(name) ?? '';
    expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapBnd:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(status).toMatch(/^mount \/ ro,/m);
    expect(status).toMatch(/^mount \/home ro,/m);
    // A tmpfs of 64 MiB (65536k), whatever a fault writes there.
    expect(status).toMatch(/^tmp tmpfs \S*size=65536k/m);
  }
  // The sealed copy of the core lives in the unit's own /tmp, invisible in the host's.
  expect(byName.get('host /tmp')).not.toMatch(/r4-core-/);
}, 60_000);

test('systemd-analyze security rates its exposure low', async () => {
  const rating = await onHost('systemd-analyze security r4 --no-pager 2>&1 | tail -n 1');
  process.stderr.write(`systemd-analyze security: ${rating}`);
  const exposure = Number(/exposure level for r4\.service: ([0-9.]+)/.exec(rating)?.[1]);
  expect(exposure).toBeLessThanOrEqual(2.0);
}, 60_000);

test('systemctl stop: node stops the core and exits 0', async () => {
  await onHost('systemctl stop r4');
  const state = await onHost('systemctl show r4 -p Result -p ExecMainCode -p ExecMainStatus -p ActiveState');
  expect(state.split('\n').filter(Boolean).sort()).toEqual(['ActiveState=inactive', 'ExecMainCode=1', 'ExecMainStatus=0', 'Result=success']);
  expect(await onHost('journalctl -u r4 --no-pager -o cat | grep -c \'"msg":"stopping"\' || true')).not.toBe('0\n');
}, 60_000);

test('MemoryDenyWriteExecute is why node runs --jitless: with its JIT, the service dies at start', async () => {
  await onHost(`
    mkdir -p /etc/systemd/system/r4.service.d
    printf '[Service]\\nExecStart=\\nExecStart=/opt/r4/node/bin/node /opt/r4/dist/service/main.js\\n' >/etc/systemd/system/r4.service.d/jit.conf
    systemctl daemon-reload
    systemctl start r4`);
  let state = '';
  for (let i = 0; i < 120 && !/ExecMainCode=2/.test(state); i++) {
    await sleep(500);
    state = await onHost('systemctl show r4 -p ExecMainCode -p ExecMainStatus');
  }
  // Killed (code 2) by SIGTRAP (5): V8 asserts when mprotect(PROT_EXEC) is refused.
  expect(state).toMatch(/ExecMainCode=2/);
  expect(state).toMatch(/ExecMainStatus=5/);
  expect(await onHost('journalctl -u r4 --no-pager -o cat | grep -c "SetPermissions" || true')).not.toBe('0\n');
  await onHost('systemctl stop r4; rm -r /etc/systemd/system/r4.service.d; systemctl daemon-reload');
}, 120_000);
