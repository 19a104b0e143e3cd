// What a key must look like. The length is what makes a key unguessable: 32 characters are 128 bits as hex
// (`openssl rand -hex 16`) and more as base64url, out of reach of any guessing through the 401 limit. The
// alphabet is what such generators produce, and what a header and a query value carry as is.
export const MIN_KEY_LENGTH = 32;
export const MAX_KEY_LENGTH = 512;
const KEY_ALPHABET = /^[A-Za-z0-9_-]*$/;

/** How to make a key that passes, for the messages that refuse one. */
export const KEY_HINT = 'generate one with: openssl rand -hex 16';

/**
 * What is wrong with a key, or null. Demo mode (R4_DEMO=1) lifts the minimum length only, so `npm start`
 * can serve a short, memorable key on loopback. The key itself is never part of the answer.
 */
export function keyProblem(key: string, demo: boolean): string | null {
  if (!KEY_ALPHABET.test(key)) return 'may hold only letters, digits, _ and -';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.length === 0) return 'is empty';
  if (key.length < MIN_KEY_LENGTH && !demo) return `is shorter than ${MIN_KEY_LENGTH} characters (${KEY_HINT}; short keys only with R4_DEMO=1)`;
  return null;
}
