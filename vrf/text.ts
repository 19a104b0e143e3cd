// Strict text forms of binary fields: lowercase hex and canonical base64. Portable (no Buffer), so the
// browser runs the same checks; a field whose text is not canonical is refused, which keeps the signed
// encoding of an answer unique.
const HEX = /^(?:[0-9a-f]{2})*$/;
/** With a length that is a multiple of 4: groups of four, only the last padded (a flat class scans fast). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

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

/**
 * Decodes canonical base64 only (the form bytesToBase64 writes); undefined for anything else. Canonical means
 * the bits a padded last group does not use are zero, so no two texts decode to the same bytes.
 */
export function base64ToBytes(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding > 0) {
    const last = BASE64_ALPHABET.indexOf(text[text.length - padding - 1]!);
    if ((last & (padding === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
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
