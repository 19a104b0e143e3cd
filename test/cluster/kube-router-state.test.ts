// The cleanup removes what kube-router's firewall controller leaves behind, and nothing else. It runs in a
// network namespace of its own here, so the machine's firewall is not touched; the state is shaped as
// kube-router v2.1.0 writes it (taken from `iptables-save` during test/cluster/network-policy.test.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { kubeRouterCleanupScript } from './kube-router-state.js';
import { runCommand } from '../support/run-command.js';

const run = promisify(execFile);
const netns = `r4-krs-${process.pid}`;

const inNetns = async (argv: string[], input?: string): Promise<string> =>
  (await runCommand(['ip', 'netns', 'exec', netns, ...argv], input === undefined ? {} : { input })).stdout;

const others = [
  ':CNI-FORWARD - [0:0]',
  ':KUBE-SERVICES - [0:0]',
  '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
  '-A FORWARD -d 10.244.16.5/32 -j ACCEPT',
  '-A CNI-FORWARD -m set --match-set r4-keep src -j ACCEPT',
];

const kubeRouters = [
  ':KUBE-NWPLCY-DEFAULT - [0:0]',
  ':KUBE-NWPLCY-TQBFE6CRNCDSI3XG - [0:0]',
  ':KUBE-POD-FW-DMHCVAVI3ZRVRHDK - [0:0]',
  ':KUBE-ROUTER-FORWARD - [0:0]',
  ':KUBE-ROUTER-INPUT - [0:0]',
  ':KUBE-ROUTER-OUTPUT - [0:0]',
  '-I INPUT 1 -m comment --comment "kube-router netpol - 4IA2OSFRMVNDXBVV" -j KUBE-ROUTER-INPUT',
  '-I FORWARD 1 -m comment --comment "kube-router netpol - TEMCG2JMHZYE7H7T" -j KUBE-ROUTER-FORWARD',
  '-I OUTPUT 1 -m comment --comment "kube-router netpol - VEAAIY32XVBHCSCY" -j KUBE-ROUTER-OUTPUT',
  '-A KUBE-NWPLCY-DEFAULT -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000',
  '-A KUBE-NWPLCY-TQBFE6CRNCDSI3XG -p tcp -m comment --comment "rule to ACCEPT traffic from source pods to dest pods selected by policy name demo" -m set --match-set KUBE-SRC-JCWHN25JWH77IDL3 src -m set --match-set KUBE-DST-VAFOXRGVU36TUDF6 dst -m multiport --dports 8080 -j MARK --set-xmark 0x10000/0x10000',
  '-A KUBE-POD-FW-DMHCVAVI3ZRVRHDK -m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A KUBE-POD-FW-DMHCVAVI3ZRVRHDK -d 10.244.16.5/32 -m comment --comment "run through nw policy demo" -j KUBE-NWPLCY-TQBFE6CRNCDSI3XG',
  '-A KUBE-POD-FW-DMHCVAVI3ZRVRHDK -s 10.244.16.5/32 -m comment --comment "run through default egress network policy chain" -j KUBE-NWPLCY-DEFAULT',
  '-A KUBE-POD-FW-DMHCVAVI3ZRVRHDK -m comment --comment "rule to REJECT traffic destined for POD name:appliance namespace: t" -m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp-port-unreachable',
  '-A KUBE-ROUTER-FORWARD -d 10.244.16.5/32 -m physdev --physdev-is-bridged -m comment --comment "rule to jump traffic destined to POD name:appliance" -j KUBE-POD-FW-DMHCVAVI3ZRVRHDK',
  '-A KUBE-ROUTER-FORWARD -m comment --comment "rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT',
  '-A KUBE-ROUTER-INPUT -d 10.0.0.0/24 -m comment --comment "allow traffic to primary/secondary cluster IP range - JASKH4CITPJP7Y2X" -j RETURN',
  '-A KUBE-ROUTER-OUTPUT -d 10.244.16.5/32 -m comment --comment "rule to jump traffic destined to POD name:appliance" -j KUBE-POD-FW-DMHCVAVI3ZRVRHDK',
];

/** The filter table's chains and rules, without the counters and the save's comment lines. */
async function filterTable(): Promise<string[]> {
  return (await inNetns(['iptables-save', '-t', 'filter'])).split('\n').filter((line) => /^[:-]/.test(line)).map((line) => line.replace(/ \[\d+:\d+\]$/, ''));
}

beforeAll(async () => {
  await run('ip', ['netns', 'add', netns]);
  for (const set of ['r4-keep', 'KUBE-SRC-JCWHN25JWH77IDL3', 'KUBE-DST-VAFOXRGVU36TUDF6']) await inNetns(['ipset', 'create', set, 'hash:ip']);
  await inNetns(['iptables-restore', '--noflush'], ['*filter', ...others, ...kubeRouters, 'COMMIT', ''].join('\n'));
});

afterAll(async () => {
  await run('ip', ['netns', 'delete', netns]);
});

test('the fixture holds kube-router state beside other rules', async () => {
  const table = await filterTable();
  expect(table.filter((line) => line.includes('KUBE-ROUTER-') || line.includes('KUBE-POD-FW-') || line.includes('KUBE-NWPLCY-')).length).toBeGreaterThan(10);
  expect((await inNetns(['ipset', 'list', '-n'])).split('\n').filter(Boolean).sort()).toEqual(['KUBE-DST-VAFOXRGVU36TUDF6', 'KUBE-SRC-JCWHN25JWH77IDL3', 'r4-keep']);
});

test("the cleanup removes kube-router's chains, jumps and ipsets and keeps everything else", async () => {
  await inNetns(['sh', '-c', kubeRouterCleanupScript]);

  expect(await filterTable()).toEqual([
    ':INPUT ACCEPT',
    ':FORWARD ACCEPT',
    ':OUTPUT ACCEPT',
    ':CNI-FORWARD -',
    ':KUBE-SERVICES -',
    '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
    '-A FORWARD -d 10.244.16.5/32 -j ACCEPT',
    '-A CNI-FORWARD -m set --match-set r4-keep src -j ACCEPT',
  ]);
  expect((await inNetns(['ipset', 'list', '-n'])).split('\n').filter(Boolean)).toEqual(['r4-keep']);
});

test('with nothing left to remove the cleanup succeeds and changes nothing', async () => {
  const before = await filterTable();
  await inNetns(['sh', '-c', kubeRouterCleanupScript]);
  expect(await filterTable()).toEqual(before);
});
