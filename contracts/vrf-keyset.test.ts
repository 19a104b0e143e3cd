import { keyActiveAt, parseVrfKeyset, type VrfKeyMaterial } from './vrf-keyset.js';

const key = (n: number, activeFrom: string): VrfKeyMaterial => ({
  key_id: `r4k-${String(n).padStart(24, '0')}`,
  vrf_secret_key: 'a'.repeat(64),
  mldsa_seed: 'b'.repeat(64),
  vrf_public_key: 'c'.repeat(64),
  public_key: `${'A'.repeat(2603)}=`,
  created_at: '2026-01-01T00:00:00Z',
  active_from: activeFrom,
  core_sha256: 'd'.repeat(64),
});
const text = (keys: unknown[], version: unknown = 1) => JSON.stringify({ version, keys });

test('a keyset of well-formed keys in order of activation parses', () => {
  const parsed = parseVrfKeyset(text([key(1, '2026-01-01T00:00:00Z'), key(2, '2026-02-01T00:00:00Z')]));
  expect(parsed.ok).toBe(true);
});

test.each([
  ['not JSON', '{', 'not JSON'],
  ['another version', text([key(1, '2026-01-01T00:00:00Z')], 2), '"version": 1'],
  ['no keys', text([]), 'no keys'],
  ['a short secret', text([{ ...key(1, '2026-01-01T00:00:00Z'), vrf_secret_key: 'ab' }]), 'keys[0].vrf_secret_key'],
  ['a bad time', text([key(1, 'yesterday')]), 'keys[0].active_from'],
  ['a key_id twice', text([key(1, '2026-01-01T00:00:00Z'), key(1, '2026-02-01T00:00:00Z')]), 'twice'],
  ['keys out of order', text([key(1, '2026-02-01T00:00:00Z'), key(2, '2026-01-01T00:00:00Z')]), 'is not after'],
])('a keyset with %s is refused, and no secret is quoted', (_what, input, reason) => {
  const parsed = parseVrfKeyset(input);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) {
    expect(parsed.reason).toContain(reason);
    expect(parsed.reason).not.toMatch(/aaaa|bbbb/);
  }
});

test('the key in force: the last one active by then, or the first before any', () => {
  const keys = [key(1, '2026-01-01T00:00:00Z'), key(2, '2026-02-01T00:00:00Z')];
  expect(keyActiveAt(keys, Date.parse('2025-12-01T00:00:00Z')).key_id).toBe(keys[0]!.key_id);
  expect(keyActiveAt(keys, Date.parse('2026-01-15T00:00:00Z')).key_id).toBe(keys[0]!.key_id);
  expect(keyActiveAt(keys, Date.parse('2026-02-01T00:00:00Z')).key_id).toBe(keys[1]!.key_id);
});
