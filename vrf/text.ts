// Strict text forms of binary fields: lowercase hex and canonical base64. Portable (no Buffer), so the
// browser runs the same checks; a field whose text is not canonical is refused, which keeps the signed
// encoding of an answer unique.
const HEX = /^(?:[0-9a-f]{2})*$/;

export function isHex(text: unknown, bytes?: number): text is string {
  return typeof text === 'string' && HEX.test(text) && (bytes === undefined || text.length === bytes * 2);
}

export function hexToBytes(text: string): Uint8Array {
  if (!isHex(text)) throw new Error('not lowercase hex of whole bytes');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Each character's 6-bit value, or -1: a table lookup per character (signatures are 4.4 kB of text). */
const BASE64_VALUES = Int8Array.from({ length: 128 }, (_, code) => BASE64_ALPHABET.indexOf(String.fromCharCode(code)));

/**
 * Whether `text` is the canonical base64 of `bytes` bytes (of any length when omitted): the alphabet, padding
 * only to close the last group of four, and zero in the bits a padded group does not use, so no two texts
 * decode to the same bytes. Checked without decoding.
 */
export function isCanonicalBase64(text: unknown, bytes?: number): text is string {
  if (typeof text !== 'string' || text.length % 4 !== 0) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (bytes !== undefined && (text.length / 4) * 3 - padding !== bytes) return false;
  const data = text.length - padding;
  for (let i = 0; i < data; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || BASE64_VALUES[code]! < 0) return false;
  }
  return padding === 0 || (BASE64_VALUES[text.charCodeAt(data - 1)]! & (padding === 2 ? 0x0f : 0x03)) === 0;
}

/** Decodes canonical base64 only (the form bytesToBase64 writes); undefined for anything else. */
export function base64ToBytes(text: unknown): Uint8Array | undefined {
  if (!isCanonicalBase64(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
