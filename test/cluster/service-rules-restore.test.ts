// The incremental Service rules against the real iptables-restore, in network namespaces of their own (not
// the host's tables): a namespace brought from one state to the next by ruleDiff under --noflush holds
// exactly what a namespace given the next state whole holds, through fifty changes of endpoints and
// Services.
import { execFileSync } from 'node:child_process';
import { runCommand } from '../support/run-command.js';
import { fullRules, ruleDiff, serviceRules, type ServiceRules } from './service-rules.js';

const namespaces = [`r4-rules-${process.pid}-a`, `r4-rules-${process.pid}-b`];
const [incremental, whole] = namespaces as [string, string];

beforeAll(() => {
  for (const ns of namespaces) execFileSync('ip', ['netns', 'add', ns]);
});
afterAll(() => {
  for (const ns of namespaces) execFileSync('ip', ['netns', 'delete', ns]);
});

const restore = (netns: string, input: string, noflush: boolean) =>
  runCommand(['ip', 'netns', 'exec', netns, 'iptables-restore', '-w', '5', ...(noflush ? ['--noflush'] : [])], { input });

/** The namespace's nat and filter rules and chains, without counters, in a stable order. */
async function saved(netns: string): Promise<string[]> {
  const { stdout } = await runCommand(['ip', 'netns', 'exec', netns, 'iptables-save']);
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('-A ') || line.startsWith(':'))
    .map((line) => line.replace(/ \[\d+:\d+\]$/, ''))
    .sort();
}

/** A pseudo-random but repeatable sequence of states: Services come and go, their endpoints change. */
function state(step: number): ServiceRules {
  const backends = [];
  for (let s = 0; s < 6; s++) {
    if ((step + s) % 7 === 0) continue; // this Service is absent at this step
    const endpoints = (step * 3 + s) % 5; // 0..4 ready endpoints
    backends.push({ clusterIP: `10.0.0.${20 + s}`, port: 80 + (s % 2), targets: Array.from({ length: endpoints }, (_, e) => `10.244.0.${2 + e + s}:8080`) });
  }
  return serviceRules(backends);
}

test('fifty diffs applied in turn leave the same tables as the last state applied whole', async () => {
  let previous = state(0);
  await restore(incremental, fullRules(previous), false);
  for (let step = 1; step <= 50; step++) {
    const next = state(step);
    const diff = ruleDiff(previous, next);
    if (diff) await restore(incremental, diff, true);
    previous = next;
  }
  await restore(whole, fullRules(previous), false);
  const expected = await saved(whole);
  expect(expected.some((line) => line.includes('DNAT'))).toBe(true);
  expect(expected.some((line) => line.includes('REJECT'))).toBe(true);
  expect(await saved(incremental)).toEqual(expected);
}, 60_000);
