import { mergeConditions, type Condition } from './conditions.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');

describe('mergeConditions', () => {
  const available: Condition = {
    type: 'Available',
    status: 'True',
    reason: 'Attested',
    message: '2 of 2 pods attested',
    observedGeneration: 1,
    lastTransitionTime: t0.toISOString(),
  };

  test('a new condition gets the current time', () => {
    const [c] = mergeConditions([], [{ ...available }], t1);
    expect(c?.lastTransitionTime).toBe(t1.toISOString());
  });

  test('same status keeps lastTransitionTime even when the message changes', () => {
    const [c] = mergeConditions([available], [{ ...available, message: '1 of 2 pods attested', observedGeneration: 2 }], t1);
    expect(c).toMatchObject({ lastTransitionTime: t0.toISOString(), message: '1 of 2 pods attested', observedGeneration: 2 });
  });

  test('a status change moves lastTransitionTime', () => {
    const [c] = mergeConditions([available], [{ ...available, status: 'False', reason: 'NoAttestedPods' }], t1);
    expect(c?.lastTransitionTime).toBe(t1.toISOString());
  });
});
