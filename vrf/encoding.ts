// The canonical encoding an answer's signature covers: a domain string, then each field as its name and
// its text, every part prefixed by its length (4 bytes, big-endian). Names are part of it, so moving a value
// to another field changes the bytes; lengths are, so no two sequences of fields encode alike.
const encoder = new TextEncoder();

/** Field texts are bounded far below 2^32 bytes; this is only a guard against misuse. */
const MAX_PART = 1 << 24;

export function canonicalEncoding(domain: string, fields: readonly (readonly [name: string, text: string])[]): Uint8Array {
  const parts = [encoder.encode(domain), ...fields.flatMap(([name, text]) => [encoder.encode(name), encoder.encode(text)])];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    if (part.length > MAX_PART) throw new Error(`an encoded part of ${part.length} bytes is too long`);
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}
