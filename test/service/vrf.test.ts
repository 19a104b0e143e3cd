// /vrf and the beacon, as a client meets them: the real service process (node dist/service/main.js) with the
// real core and a keyset the core made. Each story starts its own processes and stops them; no story leaves
// a secret of the keyset in a log or an error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VrfKeyMaterial } from '../../contracts/vrf-keyset.js';
import type { BeaconPulse, VrfAnswer } from '../../vrf/answer.js';
import { nodeProvider } from '../../vrf/node/provider.js';
import { portableProvider } from '../../vrf/provider.js';
import { parseTrust, type Trust } from '../../vrf/trust.js';
import { verifyAnswer, verifyPulses } from '../../vrf/verify.js';
import { coreKeys, fetchText, refusedStart, startServiceProcess, writeKeyset, type Reply, type ServiceProcess } from '../support/vrf-service.js';

let scratch: string;
let keysets = 0;
/** Every key made for these tests: none of their secrets may appear in a log or an answer. */
const made: VrfKeyMaterial[] = [];
/** Everything the services said and answered, checked for secrets after each test. */
const seen: string[] = [];
const running: ServiceProcess[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'r4-vrf-test-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

afterEach(async () => {
  for (const service of running.splice(0).reverse()) {
    await service.stop();
    seen.push(service.log());
  }
  const text = seen.splice(0).join('\n');
  expect(text.length).toBeGreaterThan(0);
  const leaked = made.flatMap((k) => [k.vrf_secret_key, k.mldsa_seed]).filter((secret) => text.includes(secret));
  expect(leaked).toEqual([]);
});

async function keys(...activeFrom: Date[]): Promise<VrfKeyMaterial[]> {
  const fresh = await coreKeys(...activeFrom);
  made.push(...fresh);
  return fresh;
}

function keysetFile(material: VrfKeyMaterial[]): string {
  const path = join(scratch, `keyset-${++keysets}.json`);
  writeKeyset(path, material);
  return path;
}

async function start(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startServiceProcess(scratch, `${name}-${keysets}-${running.length}`, { LOG_LEVEL: 'debug', VRF_WORKER_THREADS: '1', ...env });
  running.push(service);
  return service;
}

async function get(service: ServiceProcess, path: string, headers?: Record<string, string>): Promise<Reply> {
  const reply = await fetchText(`${service.url}${path}`, headers);
  seen.push(reply.text);
  return reply;
}

const json = <T = Record<string, unknown>>(reply: Reply) => JSON.parse(reply.text) as T;

async function trustOf(service: ServiceProcess): Promise<Trust> {
  const document = await get(service, '/vrf/keys');
  expect(document.status).toBe(200);
  const trust = parseTrust(json(document));
  if (!trust.ok) throw new Error(trust.reason);
  return trust.trust;
}

/** Polls until `check` holds, at most `timeoutMs`. */
async function waitFor<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const minuteAgo = () => new Date(Date.now() - 60_000);

describe('GET /vrf', () => {
  it('answers with a proof and a signature that verify offline, with either provider, naming the attested core', async () => {
    const service = await start('roundtrip', { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), R4_APPLIANCE: 'test/vrf' });
    const reply = await get(service, '/vrf?alpha=00FF10');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const answer = json<VrfAnswer>(reply);
    expect(answer).toMatchObject({ alpha: '00ff10', verified: true, appliance: 'test/vrf', suite: 'ECVRF-EDWARDS25519-SHA512-TAI', key_id: made.at(-1)!.key_id });
    expect(answer.proof).toMatch(/^[0-9a-f]{160}$/);
    expect(answer.random).toMatch(/^[0-9a-f]{128}$/);

    const trust = await trustOf(service);
    for (const provider of [nodeProvider, portableProvider]) {
      const verification = verifyAnswer(answer, trust, provider);
      expect(verification.checks.filter((c) => !c.ok)).toEqual([]);
      expect(verification.ok).toBe(true);
    }
    const version = json(await get(service, '/version'));
    expect(version.core_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(answer.core_sha256).toBe(version.core_sha256);

    // Unique: the same alpha gives the same output again (only the signature and time differ).
    const again = json<VrfAnswer>(await get(service, '/vrf?alpha=00ff10'));
    expect([again.random, again.proof]).toEqual([answer.random, answer.proof]);
  });

  it('refuses bad input with 400 and a detail, a missing or wrong key with 401, and an unknown round with 404', async () => {
    const service = await start('inputs', { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), R4_VRF_BEACON_PERIOD_S: '1' });
    const refusals: [string, number][] = [
      ['/vrf?alpha=zz', 400],
      ['/vrf?alpha=abc', 400],
      ['/vrf?alpha=', 400],
      ['/vrf', 400],
      [`/vrf?alpha=${'ab'.repeat(1025)}`, 400],
      ['/vrf?alpha=00&n=32', 400],
      ['/vrf?alpha=00&alpha=01', 400],
      ['/vrf/keys?alpha=00', 400],
      ['/vrf/beacon/abc', 400],
      ['/vrf/beacon/-1', 400],
      ['/vrf/beacon/1.5', 400],
      ['/vrf/beacon/01', 400],
      ['/vrf/beacon/latest?round=1', 400],
      ['/vrf/beacon/0', 404],
      ['/vrf/beacon/100000000', 404],
      ['/vrf/beacon/99999999999999999999999', 404],
    ];
    const got = [];
    for (const [path, status] of refusals) {
      const reply = await get(service, path);
      const body = json(reply);
      got.push({ path, status: reply.status, detail: typeof body.detail === 'string' && body.detail.length > 0, fields: Object.keys(body) });
      expect(got.at(-1)).toEqual({ path, status, detail: true, fields: ['detail'] });
    }
    expect((await get(service, `/vrf?alpha=${'ab'.repeat(1024)}`)).status).toBe(200);
    for (const path of ['/vrf?alpha=00', '/vrf/keys', '/vrf/beacon/info', '/vrf/beacon/latest', '/vrf/beacon/1']) {
      for (const headers of [{}, { 'x-api-key': 'wrong-key-0123456789abcdef0123456789' }] as Record<string, string>[]) {
        const reply = await get(service, path, headers);
        expect({ path, status: reply.status, detail: typeof json(reply).detail }).toEqual({ path, status: 401, detail: 'string' });
      }
    }
  });

  it('is limited per key like /random: 429 with Retry-After', async () => {
    const service = await start('ratelimit', { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), RATE_LIMIT_RPS: '3', RATE_LIMIT_IP_RPS: '0' });
    const statuses: number[] = [];
    let refused: Reply | undefined;
    for (let i = 0; i < 8 && refused === undefined; i++) {
      const reply = await get(service, `/vrf?alpha=${i.toString(16).padStart(2, '0')}`);
      statuses.push(reply.status);
      if (reply.status === 429) refused = reply;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(refused).toBeDefined();
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(json(refused!).detail).toMatch(/rate limit exceeded/);
  });
});

describe('under a burst beyond its threads\' queues', () => {
  it('answers what it can, refuses the rest at once with 503 and Retry-After, and stays up', async () => {
    const service = await start('burst', { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), RATE_LIMIT_RPS: '0', RATE_LIMIT_IP_RPS: '0' });
    // One thread with 64 places: 300 requests at once cannot all wait.
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => fetchText(`${service.url}/vrf?alpha=${i.toString(16).padStart(4, '0')}`, undefined, undefined, 60_000)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(64);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const reply of refused) {
      expect(reply.headers['retry-after']).toBe('1');
      expect(json(reply)).toEqual({ detail: expect.stringContaining('the VRF threads are busy') });
    }
    const after = await get(service, '/vrf?alpha=ff');
    expect(after.status).toBe(200);
    expect(json(after).verified).toBe(true);
  });
});

describe('the keyset', () => {
  it('absent: /vrf and the beacon answer 503 and say why, /random still works', async () => {
    const service = await start('nokeys', {});
    for (const path of ['/vrf?alpha=00', '/vrf/keys', '/vrf/beacon/info', '/vrf/beacon/latest', '/vrf/beacon/1']) {
      const reply = await get(service, path);
      expect({ path, status: reply.status, detail: json(reply).detail }).toEqual({ path, status: 503, detail: 'no VRF keys are configured (R4_VRF_KEYSET_FILE is not set)' });
    }
    const random = await get(service, '/random?n=32&fmt=hex');
    expect(random.status).toBe(200);
    expect(random.text).toMatch(/^[0-9a-f]{64}$/);
  });

  it('held by a service whose core is not sealed: no answer at all (fail closed), though the keys are fine', async () => {
    // A core that is not the one expected: the service blocks (STRICT_FIPS) and says so.
    const service = await start('blocked', { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), R4_EXPECTED_CORE_SHA256: '0'.repeat(64) });
    for (const path of ['/vrf?alpha=00', '/vrf/beacon/latest', '/vrf/keys']) {
      const reply = await get(service, path);
      expect({ path, status: reply.status, mode: reply.headers['x-r4-mode'] }).toEqual({ path, status: 503, mode: 'blocked' });
      expect(json(reply)).toEqual({ detail: 'the core is not sealed (mode blocked): no VRF answers' });
    }
  });

  it('whose seed does not give its public key: the service refuses to start (exit 2), naming the key and no secret', async () => {
    const [a, b] = await keys(minuteAgo(), minuteAgo());
    const forged = { ...a!, vrf_public_key: b!.vrf_public_key };
    const refused = await refusedStart(scratch, 'forged', { R4_VRF_KEYSET_FILE: keysetFile([forged]) });
    seen.push(refused.log);
    expect(refused.exit.code).toBe(2);
    expect(refused.log).toContain(`key ${a!.key_id}: its VRF secret key does not give its vrf_public_key`);
  });

  it('rotated in place: new answers use the new key, /vrf/keys lists both, an answer made before still verifies; a key back-dated over begun rounds, a broken update are refused, a deleted keyset ends the answers', async () => {
    const [first] = await keys(minuteAgo());
    const path = keysetFile([first!]);
    // One-second rounds: a new key must begin after the round after the one in progress (keysetChange.ts).
    const service = await start('rotation', { R4_VRF_KEYSET_FILE: path, R4_VRF_BEACON_PERIOD_S: '1' });
    const before = json<VrfAnswer>(await get(service, '/vrf?alpha=0102'));
    expect(before.key_id).toBe(first!.key_id);
    const pulseBefore = json<BeaconPulse>(await get(service, '/vrf/beacon/latest'));

    // Back-dated: it would re-key rounds already published, so a round would get a second output. Refused.
    const [backdated] = await keys(new Date(Date.now() - 1_000));
    writeKeyset(path, [first!, backdated!]);
    await waitFor('the refusal of the back-dated key', async () => service.log(), (log) => log.includes('rounds already begun or committed to would change'));
    expect(json<VrfAnswer>(await get(service, '/vrf?alpha=0102')).key_id).toBe(first!.key_id);
    expect((await get(service, `/vrf/beacon/${pulseBefore.round}`)).text).toBe(JSON.stringify(pulseBefore));

    const [second] = await keys(new Date(Date.now() + 3_000));
    writeKeyset(path, [first!, second!]);
    const after = await waitFor('answers with the new key', async () => json<VrfAnswer>(await get(service, '/vrf?alpha=0102')), (a) => a.key_id === second!.key_id);

    const document = json<{ keys: { key_id: string; status: string }[] }>(await get(service, '/vrf/keys'));
    expect(document.keys.map((k) => [k.key_id, k.status])).toEqual([[first!.key_id, 'retired'], [second!.key_id, 'current']]);
    const trust = await trustOf(service);
    expect(verifyAnswer(before, trust, nodeProvider).ok).toBe(true);
    expect(verifyAnswer(after, trust, nodeProvider).ok).toBe(true);
    expect(after.random).not.toBe(before.random);
    // The beacon crossed the change as one chain: the round before the new key committed to the first under it.
    // A round is under the key in force when it begins, so the beacon switches at the first round after.
    const latest = await waitFor('a pulse under the new key', async () => json<BeaconPulse>(await get(service, '/vrf/beacon/latest')), (p) => p.key_id === second!.key_id);
    const rounds = await Promise.all(Array.from({ length: latest.round - pulseBefore.round + 1 }, async (_, i) => json<BeaconPulse>(await get(service, `/vrf/beacon/${pulseBefore.round + i}`))));
    expect(new Set(rounds.map((p) => p.key_id))).toEqual(new Set([first!.key_id, second!.key_id]));
    expect(verifyPulses(rounds, trust, nodeProvider).checks.filter((c) => !c.ok)).toEqual([]);

    // A broken update (half a file) is refused, and the keys in force stay.
    writeFileSync(path, '{"version": 1, "keys": [');
    await waitFor('the refusal in the log', async () => service.log(), (log) => log.includes('VRF keyset refused; the keys in force stay'));
    expect(json<VrfAnswer>(await get(service, '/vrf?alpha=0102')).key_id).toBe(second!.key_id);

    // Deleted: the keyset no longer vouches for its keys, so nothing more is answered.
    rmSync(path);
    const gone = await waitFor('503 after the keyset is deleted', () => get(service, '/vrf?alpha=0102'), (r) => r.status === 503);
    expect(json(gone).detail).toBe(`the VRF keyset ${path} is gone or unreadable`);
  });
});

describe('the beacon', () => {
  it('serves rounds 1 to the latest as one verifiable chain, and its info matches /vrf/keys', async () => {
    const genesis = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000).toISOString();
    const service = await start('beacon', { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), R4_VRF_BEACON_PERIOD_S: '1', R4_VRF_BEACON_GENESIS: genesis, R4_APPLIANCE: 'test/beacon' });
    const info = json(await get(service, '/vrf/beacon/info'));
    const document = json<{ beacon: Record<string, unknown>; keys: unknown[] }>(await get(service, '/vrf/keys'));
    expect(info).toMatchObject({ ...document.beacon, period_seconds: 1, genesis, appliance: 'test/beacon', keys: document.keys });

    const latest = json<BeaconPulse>(await get(service, '/vrf/beacon/latest'));
    expect(latest.round).toBeGreaterThanOrEqual(6);
    expect(latest.round).toBeLessThan(60);
    const pulses: BeaconPulse[] = [];
    for (let round = 1; round <= latest.round; round++) {
      const reply = await get(service, `/vrf/beacon/${round}`);
      expect({ round, status: reply.status }).toEqual({ round, status: 200 });
      pulses.push(json<BeaconPulse>(reply));
    }
    expect(pulses.at(-1)).toEqual(latest);
    expect(pulses.every((p) => p.verified && p.chain_id === info.chain_id)).toBe(true);
    const verification = verifyPulses(pulses, await trustOf(service), nodeProvider);
    expect(verification.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verification.checks.filter((c) => c.name.endsWith('precommitted'))).toHaveLength(latest.round - 1);
    expect((await get(service, `/vrf/beacon/${latest.round + 5}`)).status).toBe(404);
  });

  it('two processes with the same keyset and settings serve byte-identical pulses', async () => {
    const genesis = new Date(Date.now() - 10_000).toISOString();
    const env = { R4_VRF_KEYSET_FILE: keysetFile(await keys(minuteAgo())), R4_VRF_BEACON_PERIOD_S: '2', R4_VRF_BEACON_GENESIS: genesis, R4_APPLIANCE: 'test/twins' };
    const [one, two] = [await start('twin', env), await start('twin', env)];
    for (const round of [1, 2, 3]) {
      const [a, b] = [await get(one, `/vrf/beacon/${round}`), await get(two, `/vrf/beacon/${round}`)];
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.text).toBe(b.text);
    }
  });

  it('is in the OpenAPI document, with /vrf', async () => {
    const service = await start('openapi', {});
    const paths = Object.keys(json<{ paths: Record<string, unknown> }>(await get(service, '/openapi.json')).paths);
    expect(paths).toEqual(expect.arrayContaining(['/vrf', '/vrf/keys', '/vrf/beacon/info', '/vrf/beacon/latest', '/vrf/beacon/{round}']));
  });
});

