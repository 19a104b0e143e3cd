import { keyProblem, MIN_KEY_LENGTH } from './keyPolicy.js';

describe('keyProblem', () => {
  it.each([
    ['32 hex digits (openssl rand -hex 16)', '0123456789abcdef0123456789abcdef', false],
    ['base64url with - and _', 'Ab-_'.repeat(8), false],
    ['512 characters', 'k'.repeat(512), false],
    ['a short key in demo mode', 'demo', true],
  ])('accepts %s', (_name, key, demo) => {
    expect(keyProblem(key, demo)).toBeNull();
  });

  it.each([
    ['a key of 31 characters', 'k'.repeat(MIN_KEY_LENGTH - 1), false, 'is shorter than 32 characters (generate one with: openssl rand -hex 16'],
    ['demo outside demo mode', 'demo', false, 'is shorter than 32'],
    ['an empty key, even in demo mode', '', true, 'is empty'],
    ['513 characters', 'k'.repeat(513), true, 'longer than 512'],
    ['a space', `${'k'.repeat(32)} x`, false, 'only letters, digits, _ and -'],
    ['base64 padding', `${'k'.repeat(32)}==`, false, 'only letters, digits, _ and -'],
    ['non-ASCII', `${'k'.repeat(32)}é`, true, 'only letters, digits, _ and -'],
  ])('refuses %s', (_name, key, demo, problem) => {
    const found = keyProblem(key, demo);
    expect(found).toContain(problem);
    if (key.length > 0) expect(found).not.toContain(key);
  });
});
