import { keysetChangeProblem } from './keysetChange.js';

const key = (n: number, activeFrom: string) => ({ key_id: `r4k-${String(n).padStart(24, '0')}`, active_from: activeFrom });
const keyset = (...keys: ReturnType<typeof key>[]) => ({ keys });
const schedule = { genesisMs: Date.parse('2026-01-01T00:00:00Z'), periodSeconds: 30 };
// In round 3 (it began at 00:01:00); round 4 begins at 00:01:30 and is already committed to.
const now = Date.parse('2026-01-01T00:01:10Z');
const first = key(1, '2026-01-01T00:00:00.000Z');

test.each([
  ['the same keyset', keyset(first), null],
  ['a key active after the committed round', keyset(first, key(2, '2026-01-01T00:01:31.000Z')), null],
  ['a key active at the start of the committed round', keyset(first, key(2, '2026-01-01T00:01:30.000Z')), 'active from 2026-01-01T00:01:30.000Z or earlier'],
  ['a key active in the round in progress', keyset(first, key(2, '2026-01-01T00:01:05.000Z')), 'or earlier'],
  ['a key active long ago', keyset(first, key(2, '2026-01-01T00:00:10.000Z')), 'or earlier'],
  ['the key in force dropped', keyset(key(2, '2026-01-01T00:00:00.000Z')), 'drops or moves key r4k-000000000000000000000001'],
  ['the key in force moved', keyset(key(1, '2026-01-01T00:00:05.000Z')), 'drops or moves'],
])('%s', (_what, next, problem) => {
  const found = keysetChangeProblem(keyset(first), next, schedule, now);
  if (problem === null) expect(found).toBeNull();
  else expect(found).toContain(problem);
});

test('a key not yet in force may be replaced by... nothing: dropping a pending key is refused too (it may have been committed to)', () => {
  const pending = keyset(first, key(2, '2026-01-01T00:05:00.000Z'));
  expect(keysetChangeProblem(pending, keyset(first), schedule, now)).toContain('drops or moves key r4k-000000000000000000000002');
});

test('before genesis, the horizon is round 1\'s start', () => {
  const early = Date.parse('2025-12-31T23:59:00Z');
  expect(keysetChangeProblem(keyset(first), keyset(first, key(2, '2025-12-31T23:59:30.000Z')), schedule, early)).toContain('or earlier');
  expect(keysetChangeProblem(keyset(first), keyset(first, key(2, '2026-01-01T00:00:01.000Z')), schedule, early)).toBeNull();
});
