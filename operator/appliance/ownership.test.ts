import { ownership } from './ownership.js';

describe('ownership', () => {
  test.each([
    ['no object', undefined, 'absent'],
    ['controlled by this appliance', { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } }, 'owned'],
    ['no owner reference (made by someone else)', { metadata: {} }, 'foreign'],
    ['controlled by another appliance', { metadata: { ownerReferences: [{ uid: 'u2', controller: true }] } }, 'foreign'],
    ['referencing this appliance without controlling it', { metadata: { ownerReferences: [{ uid: 'u1' }] } }, 'foreign'],
  ] as const)('%s: %s', (_case, live, expected) => {
    expect(ownership(live, 'u1')).toBe(expected);
  });

  test('an appliance without a uid owns nothing', () => {
    expect(ownership({ metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } }, undefined)).toBe('foreign');
  });
});
