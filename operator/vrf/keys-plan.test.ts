import type { VrfKeyMaterial, VrfKeyset } from '../../contracts/vrf-keyset.js';
import { KEYGEN_RETRY_MS, planVrfKeys, rotationLeadMs, type ObservedVrfKeys, type ObservedVrfSecret } from './keys-plan.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const spec = (periodSeconds = 30) => ({ name: 'demo', namespace: 'team', vrf: { beacon: { periodSeconds, genesis: '2026-11-30T10:00:00.000Z' } } });
const hex = (digit: string) => digit.repeat(64);

/** A key that parses (the plan needs no real key material: it never looks inside one). */
function key(n: number, activeFrom: string): VrfKeyMaterial {
  return {
    key_id: `r4k-${n.toString(16).padStart(24, '0')}`,
    vrf_secret_key: hex('1'),
    mldsa_seed: hex('2'),
    vrf_public_key: n.toString(16).padStart(64, '0'),
    public_key: Buffer.alloc(1952, n).toString('base64'),
    created_at: activeFrom,
    active_from: activeFrom,
    core_sha256: hex('e'),
  };
}
const keyset = (...keys: VrfKeyMaterial[]): VrfKeyset => ({ version: 1, keys });
const owned = (set: VrfKeyset | string | undefined, rotatedFor?: string): ObservedVrfSecret => ({
  kind: 'owned',
  keysetText: typeof set === 'object' ? JSON.stringify(set) : set,
  rotatedFor,
  resourceVersion: '42',
});
const observed = (secret: ObservedVrfSecret, rotateRequest?: string, extra: Partial<ObservedVrfKeys> = {}): ObservedVrfKeys => ({
  secretName: 'demo-vrf-keys',
  secret,
  rotateRequest,
  ...extra,
});

describe('the rotation lead time', () => {
  test.each([
    [1, 60_000],
    [30, 60_000],
    [31, 62_000],
    [600, 1_200_000],
  ])('period %i s: %i ms', (period, lead) => expect(rotationLeadMs(period)).toBe(lead));
});

describe('planVrfKeys', () => {
  const one = keyset(key(1, '2026-11-30T10:00:00.000Z'));

  test('no Secret: make one key, active now, and mount it', () => {
    expect(planVrfKeys(observed({ kind: 'absent' }), spec(), NOW)).toEqual({ action: { kind: 'create', activeFrom: NOW }, mount: true });
  });

  test('no Secret but a rotation already asked for: the fresh key serves it (no second key at once)', () => {
    expect(planVrfKeys(observed({ kind: 'absent' }, 'r1'), spec(), NOW).action).toEqual({ kind: 'create', activeFrom: NOW, rotatedFor: 'r1' });
  });

  test('a failed keygen: not retried before its interval, reported, nothing mounted; retried after it', () => {
    const failure = { message: 'the core failed: exit 3 (self-test failed)', at: NOW - 1_000 };
    const waiting = planVrfKeys(observed({ kind: 'absent' }, undefined, { keygenFailure: failure }), spec(), NOW);
    expect(waiting).toEqual({
      mount: false,
      problem: { reason: 'VrfKeygenFailed', message: expect.stringContaining('making them failed (the core failed: exit 3 (self-test failed))') },
      requeueAfter: KEYGEN_RETRY_MS - 1_000,
    });
    const retry = planVrfKeys(observed({ kind: 'absent' }, undefined, { keygenFailure: { ...failure, at: NOW - KEYGEN_RETRY_MS } }), spec(), NOW);
    expect(retry.action?.kind).toBe('create');
  });

  test('another\'s Secret of that name: left alone, not mounted, said why; a rotation asked for changes nothing', () => {
    for (const request of [undefined, 'r1']) {
      expect(planVrfKeys(observed({ kind: 'foreign' }, request), spec(), NOW)).toEqual({
        mount: false,
        problem: { reason: 'ChildConflict', message: 'Secret demo-vrf-keys exists and is not this appliance\'s (no owner reference to it): left alone; it is not mounted and /vrf answers 503' },
      });
    }
  });

  test.each([
    ['no keyset.json', undefined, /it has no keyset.json/],
    ['not JSON', '{', /VRF keyset/],
    ['an empty keyset', JSON.stringify({ version: 1, keys: [] }), /has no keys/],
    ['a wrong version', JSON.stringify({ ...one, version: 2 }), /"version": 1/],
    ['a key without its seed', JSON.stringify(keyset({ ...key(1, '2026-11-30T10:00:00.000Z'), mldsa_seed: 'zz' })), /keys\[0\].mldsa_seed/],
  ])('its own Secret with %s: never regenerated over, not mounted, said why', (_name, text, reason) => {
    const plan = planVrfKeys(observed(owned(text), 'r1'), spec(), NOW);
    expect(plan.action).toBeUndefined();
    expect(plan.mount).toBe(false);
    expect(plan.status).toBeUndefined();
    expect(plan.problem?.reason).toBe('VrfKeysInvalid');
    expect(plan.problem?.message).toMatch(reason);
    expect(plan.problem?.message).toMatch(/never regenerated over/);
  });

  test('a problem message never quotes a secret field', () => {
    const leaked = { ...key(1, '2026-11-30T10:00:00.000Z'), vrf_secret_key: 'SECRET'.repeat(10) };
    expect(planVrfKeys(observed(owned(keyset(leaked))), spec(), NOW).problem?.message).not.toContain('SECRET');
  });

  test('its own valid keyset, no rotation asked: mounted, nothing to do, status lists the key', () => {
    const plan = planVrfKeys(observed(owned(one)), spec(), NOW);
    expect(plan.action).toBeUndefined();
    expect(plan.mount).toBe(true);
    expect(plan.requeueAfter).toBeUndefined();
    expect(plan.status).toMatchObject({ appliance: 'team/demo', suite: 'ECVRF-EDWARDS25519-SHA512-TAI', beacon: { period_seconds: 30, genesis: '2026-11-30T10:00:00.000Z' } });
    expect(plan.status?.keys.map((k) => [k.key_id, k.status])).toEqual([[one.keys[0]!.key_id, 'current']]);
    // Public parts only.
    expect(JSON.stringify(plan.status)).not.toMatch(/vrf_secret_key|mldsa_seed/);
  });

  test('a rotation value not yet handled appends a key after the lead time', () => {
    const plan = planVrfKeys(observed(owned(one, 'r0'), 'r1'), spec(30), NOW);
    expect(plan.action).toEqual({ kind: 'rotate', keyset: one, activeFrom: NOW + 60_000, rotatedFor: 'r1', resourceVersion: '42' });
    expect(plan.mount).toBe(true);
    expect(planVrfKeys(observed(owned(one), 'r1'), spec(300), NOW).action).toMatchObject({ activeFrom: NOW + 600_000 });
  });

  test('the value already handled rotates nothing again', () => {
    expect(planVrfKeys(observed(owned(one, 'r1'), 'r1'), spec(), NOW).action).toBeUndefined();
  });

  test('a key waiting to take over: status says next, the reconcile comes back when it does, and then says retired', () => {
    const pending = keyset(key(1, '2026-11-30T10:00:00.000Z'), key(2, '2026-11-30T12:01:00.000Z'));
    const before = planVrfKeys(observed(owned(pending, 'r1'), 'r1'), spec(), NOW);
    expect(before.status?.keys.map((k) => k.status)).toEqual(['current', 'next']);
    expect(before.requeueAfter).toBe(60_000);
    const after = planVrfKeys(observed(owned(pending, 'r1'), 'r1'), spec(), NOW + 60_000);
    expect(after.status?.keys.map((k) => k.status)).toEqual(['retired', 'current']);
    expect(after.requeueAfter).toBeUndefined();
  });

  test('a second rotation while one waits: strictly after the waiting key', () => {
    const waiting = keyset(key(1, '2026-11-30T10:00:00.000Z'), key(2, '2026-11-30T12:05:00.000Z'));
    expect(planVrfKeys(observed(owned(waiting, 'r1'), 'r2'), spec(), NOW).action).toMatchObject({ activeFrom: Date.parse('2026-11-30T12:05:01.000Z') });
  });

  test('a full keyset refuses the rotation, says so, and keeps serving', () => {
    const full = keyset(...Array.from({ length: 32 }, (_, i) => key(i + 1, new Date(NOW - (40 - i) * 60_000).toISOString())));
    const plan = planVrfKeys(observed(owned(full), 'r9'), spec(), NOW);
    expect(plan.action).toBeUndefined();
    expect(plan.mount).toBe(true);
    expect(plan.problem).toMatchObject({ reason: 'VrfKeysetFull', message: expect.stringContaining('rotation "r9" is not done') });
  });

  test('no genesis in the spec (an appliance read from a file): the first key\'s active_from', () => {
    const plan = planVrfKeys(observed(owned(one)), { name: 'demo', namespace: 'team', vrf: { beacon: { periodSeconds: 30 } } }, NOW);
    expect(plan.status?.beacon.genesis).toBe('2026-11-30T10:00:00.000Z');
  });
});
