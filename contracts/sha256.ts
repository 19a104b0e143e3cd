// A SHA-256 as r4 writes it everywhere (manifest, /version, the appliance, the environment): 64 lowercase hex digits.
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}
