// The negative control: a deliberately weak generator every battery must reject, proving it can fail.
// A 16-bit LCG (x' = 25173 x + 13849 mod 2^16, a full-period textbook choice) whose low byte is emitted:
// the classic mistake of taking an LCG's low bits, which repeat every 256 outputs.

const MULTIPLIER = 25173;
const INCREMENT = 13849;

/** `length` bytes of the weak generator's stream, starting from `seed`. */
export function weakBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed & 0xffff;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(MULTIPLIER, x) + INCREMENT) & 0xffff;
    out[i] = x & 0xff;
  }
  return out;
}

export const WEAK_GENERATOR_DESCRIPTION =
  'a 16-bit LCG (x = 25173 x + 13849 mod 65536) emitting the low byte of its state (period 256)';
