// The fastest Node Edwards25519 backend: sodiumEdwards, with verification's s·P − c·Q done by the native
// module (curve25519-dalek's variable-time multiscalar multiplication, about 5 times faster than two libsodium
// multiplications and a subtraction). Only public data reaches it; proving stays on libsodium's constant-time
// code. Where the module is not built, or a point does not decode there, libsodium's path answers.
import type { EdwardsBackend } from '../edwards-backend.js';
import { intToLe } from '../ecvrf.js';
import { sodiumEdwards, strictEncoding } from './edwards-sodium.js';
import { nativeModule } from './native-module.js';

export const nativeEdwards: EdwardsBackend = {
  ...sodiumEdwards,
  name: 'sodium+dalek',
  mulSub: (s, p, c, q) => {
    const native = nativeModule();
    // dalek reads y modulo p, as libsodium does: the same strictness goes in front.
    const result = native && strictEncoding(p) && strictEncoding(q) ? native.edwardsMulSub(intToLe(s, 32), p, intToLe(c, 32), q) : null;
    return result === null ? sodiumEdwards.mulSub(s, p, c, q) : new Uint8Array(result.buffer, result.byteOffset, result.length);
  },
};

/** nativeEdwards where the module is built, else sodiumEdwards. */
export function fastestEdwards(): EdwardsBackend {
  return nativeModule() ? nativeEdwards : sodiumEdwards;
}
