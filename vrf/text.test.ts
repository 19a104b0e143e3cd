import { base64ToBytes, bytesToBase64, bytesToHex, equalBytes, hexToBytes, isCanonicalBase64, isHex } from './text.js';

test('hex: lowercase, whole bytes, exact length when asked', () => {
  expect(isHex('00ff')).toBe(true);
  expect(isHex('00FF')).toBe(false);
  expect(isHex('0')).toBe(false);
  expect(isHex('00ff', 2)).toBe(true);
  expect(isHex('00ff', 3)).toBe(false);
  expect(bytesToHex(hexToBytes('00a1ff'))).toBe('00a1ff');
  expect(() => hexToBytes('zz')).toThrow();
});

test('base64 round-trips every length, and agrees with Node', () => {
  for (let n = 0; n < 70; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    const text = bytesToBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString('base64'));
    expect(equalBytes(base64ToBytes(text)!, bytes)).toBe(true);
  }
});

test.each([
  ['non-zero unused bits before ==', 'QR=='],
  ['non-zero unused bits before =', 'QUF='],
  ['missing padding', 'QQ'],
  ['url-safe alphabet', 'a-_b'],
  ['whitespace', 'QUFB\n'],
  ['a number', 42],
])('base64 that is not canonical is refused: %s', (_why, text) => {
  expect(base64ToBytes(text)).toBeUndefined();
});

test('equalBytes compares length and content', () => {
  expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
  expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
  expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
});

test('canonical base64 is recognised without decoding, with its length, exactly as decoding would', () => {
  for (let n = 0; n < 40; n++) {
    const text = Buffer.from(Uint8Array.from({ length: n }, (_, i) => i * 7)).toString('base64');
    expect(isCanonicalBase64(text, n)).toBe(true);
    expect(isCanonicalBase64(text, n + 1)).toBe(false);
  }
  for (const text of ['QR==', 'QUF=', 'QQ', 'a-_b', 'QUFB\n', 'A===', '====', 'AB=C', 'é===']) {
    expect(isCanonicalBase64(text)).toBe(false);
    expect(base64ToBytes(text)).toBeUndefined();
  }
});
