// What every worker's core is doing, in one SharedArrayBuffer that the primary and every worker map: a
// worker writes its own slot when its core's mode changes, and every request on every worker reads all the
// slots, so the service is blocked on all workers the moment one worker's core fails, with no message in
// between. A worker thread that died is marked down by the primary until its replacement's core seals.
import { CORE_STATES, INTEGRITIES, MODES, SELFTESTS, type CoreState, type Integrity, type Mode, type Selftest } from '../../contracts/version-document.js';

/** One worker's core as /version's workers[] reports it. */
export interface WorkerCore {
  index: number;
  coreSha256: string | null;
  integrity: Integrity;
  selftest: Selftest;
  mode: Mode;
  coreState: CoreState;
  corePid: number | null;
  coreRestarts: number;
  /** The worker thread itself: false from its death until its replacement reports. */
  alive: boolean;
}

// Per slot, as Int32: mode, integrity, selftest, core state, core pid (0: none), restarts, whether the hash is
// known, whether the thread is alive; then the hash's 32 bytes.
const INTS = 8;
const SLOT_BYTES = INTS * 4 + 32;
const [MODE, INTEGRITY, SELFTEST, STATE, PID, RESTARTS, HAS_HASH, ALIVE] = [0, 1, 2, 3, 4, 5, 6, 7];

/** Modes from best to worst: their index in MODES is their rank. */
const rank = (mode: Mode): number => MODES.indexOf(mode);

export class FleetState {
  private readonly ints: Int32Array;
  private readonly bytes: Uint8Array;

  /** A new state for `workers` workers, each down (blocked) until it reports. */
  static create(workers: number): FleetState {
    const state = new FleetState(new SharedArrayBuffer(workers * SLOT_BYTES), workers);
    for (let index = 0; index < workers; index++) {
      const base = index * (SLOT_BYTES / 4);
      state.ints[base + INTEGRITY] = INTEGRITIES.indexOf('missing');
      state.ints[base + SELFTEST] = SELFTESTS.indexOf('fail');
      state.markDown(index);
      state.ints[base + STATE] = CORE_STATES.indexOf('starting');
    }
    return state;
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly workers: number,
  ) {
    this.ints = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  /** A worker's own report: written field by field, the mode last, so a reader never sees sealed early. */
  publish(core: Omit<WorkerCore, 'alive'>): void {
    const base = core.index * (SLOT_BYTES / 4);
    Atomics.store(this.ints, base + MODE, MODES.indexOf('blocked'));
    Atomics.store(this.ints, base + INTEGRITY, INTEGRITIES.indexOf(core.integrity));
    Atomics.store(this.ints, base + SELFTEST, SELFTESTS.indexOf(core.selftest));
    Atomics.store(this.ints, base + STATE, CORE_STATES.indexOf(core.coreState));
    Atomics.store(this.ints, base + PID, core.corePid ?? 0);
    Atomics.store(this.ints, base + RESTARTS, core.coreRestarts);
    if (core.coreSha256 !== null) this.bytes.set(Buffer.from(core.coreSha256, 'hex'), core.index * SLOT_BYTES + INTS * 4);
    Atomics.store(this.ints, base + HAS_HASH, core.coreSha256 === null ? 0 : 1);
    Atomics.store(this.ints, base + ALIVE, 1);
    Atomics.store(this.ints, base + MODE, MODES.indexOf(core.mode));
  }

  /** The primary, when a worker thread exits: blocked until its replacement's core seals. */
  markDown(index: number): void {
    const base = index * (SLOT_BYTES / 4);
    Atomics.store(this.ints, base + MODE, MODES.indexOf('blocked'));
    Atomics.store(this.ints, base + STATE, CORE_STATES.indexOf('down'));
    Atomics.store(this.ints, base + PID, 0);
    Atomics.store(this.ints, base + ALIVE, 0);
  }

  /** The worst mode of the workers other than `self`, and the first worker in it; null when all are sealed. */
  worstOther(self: number): { mode: Mode; index: number } | null {
    let worst: { mode: Mode; index: number } | null = null;
    for (let index = 0; index < this.workers; index++) {
      if (index === self) continue;
      const mode = MODES[Atomics.load(this.ints, index * (SLOT_BYTES / 4) + MODE)] ?? 'blocked';
      if (rank(mode) > rank(worst?.mode ?? 'sealed')) worst = { mode, index };
    }
    return worst;
  }

  read(index: number): WorkerCore {
    const base = index * (SLOT_BYTES / 4);
    const at = (field: number) => Atomics.load(this.ints, base + field);
    const hashAt = index * SLOT_BYTES + INTS * 4;
    const pid = at(PID);
    return {
      index,
      coreSha256: at(HAS_HASH) === 1 ? Buffer.from(this.bytes.subarray(hashAt, hashAt + 32)).toString('hex') : null,
      integrity: INTEGRITIES[at(INTEGRITY)] ?? 'missing',
      selftest: SELFTESTS[at(SELFTEST)] ?? 'fail',
      mode: MODES[at(MODE)] ?? 'blocked',
      coreState: CORE_STATES[at(STATE)] ?? 'down',
      corePid: pid === 0 ? null : pid,
      coreRestarts: at(RESTARTS),
      alive: at(ALIVE) === 1,
    };
  }

  all(): WorkerCore[] {
    return Array.from({ length: this.workers }, (_, index) => this.read(index));
  }
}

export function worseMode(a: Mode, b: Mode): Mode {
  return rank(a) >= rank(b) ? a : b;
}
