// What the shared tables of the worker threads (sharedLimiter.ts, sharedBytesInFlight.ts) have in common: one
// lock word for the whole table, and the slot hash.

/**
 * Runs `body` holding the table lock in `lockWord[0]`: takes are short (no I/O, no allocation), so a spin
 * first, then a wait of at most 1 ms at a time.
 */
export function withTableLock<T>(lockWord: Int32Array, body: () => T): T {
  for (let spins = 0; Atomics.compareExchange(lockWord, 0, 0, 1) !== 0; spins++) if (spins > 100) Atomics.wait(lockWord, 0, 1, 1);
  try {
    return body();
  } finally {
    Atomics.store(lockWord, 0, 0);
    Atomics.notify(lockWord, 0, 1);
  }
}

/** FNV-1a from `seed`: spreads slots, not a secret (a table a flood of names fills refuses, it never grows). */
export function slotHash(key: Uint8Array, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const byte of key) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}
