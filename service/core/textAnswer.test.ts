import { randomBytes } from 'node:crypto';
import { answerBuffer } from './answerBuffers.js';
import { encodedLength, encodeIntoAnswer } from './textAnswer.js';

const STEP = 48 * 1024;

describe('encodedLength', () => {
  it.each([
    [1, 'raw', 1],
    [16, 'hex', 32],
    [1, 'base64', 4],
    [3, 'base64', 4],
    [4, 'base64', 8],
    [16 * 1024 * 1024, 'hex', 32 * 1024 * 1024],
  ] as const)('%i bytes as %s are %i', (n, encoding, length) => {
    expect(encodedLength(n, encoding)).toBe(length);
    expect(Buffer.alloc(n).toString(encoding === 'raw' ? 'latin1' : encoding)).toHaveLength(length);
  });
});

describe('encodeIntoAnswer', () => {
  it.each([1, 2, 3, STEP - 1, STEP, STEP + 1, 2 * STEP + 2, 1_000_000, 3_000_001])('gives the same text as toString for %i bytes, and wipes them', async (n) => {
    for (const encoding of ['hex', 'base64'] as const) {
      const bytes = answerBuffer(n);
      randomBytes(n).copy(bytes);
      const expected = bytes.toString(encoding);
      const text = await encodeIntoAnswer(bytes, encoding);
      expect(text.toString('latin1')).toBe(expected);
      expect(bytes.every((byte) => byte === 0)).toBe(true);
    }
  });
});
