/**
 * The memory the service may use, and the limits derived from it, so that no client behaviour the limits
 * allow can take the process past its memory limit. The arithmetic, with the figures measured under attack,
 * is in docs/service.md ("Limits that keep the service alive").
 */

const MIB = 1024 * 1024;

/** The budget when neither the cgroup nor MEMORY_LIMIT_BYTES says: the appliance's default memory limit. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 256 * MIB;

/**
 * Memory that is not answers: Node and the service at rest (about 57 MiB of heap and native memory measured on
 * Node 24), answer memory kept for reuse (core/answerBuffers.ts, at most 32 MiB) and the core's pool (4 MiB).
 */
export const RESERVED_BYTES = 96 * MIB;

/**
 * What is left is shared by answers in flight (counted at the length of their bodies) and connections. Answer
 * memory comes in powers of two (core/answerBuffers.ts), so an answer may hold up to twice its length; a text
 * answer's raw bytes exist beside its text while it is encoded; and the kernel's socket buffers and garbage
 * not yet collected need room too: answers get a quarter, and count twice below.
 */
const IN_FLIGHT_SHARE = 4;
/**
 * One key may hold a quarter of the bytes in flight, so one tenant cannot hold all (config.ts raises it to the
 * largest answer where MAX_BYTES_PER_REQUEST asks for more).
 */
const KEY_SHARE = 4;
/**
 * A connection costs a few KiB while idle (socket, parser, request objects), and its socket buffers more while
 * data moves; 32 KiB each is a generous bound. Connections share what answers (twice their bytes) leave.
 */
const BYTES_PER_CONNECTION = 32 * 1024;

export type MemoryLimitSource = 'cgroup' | 'MEMORY_LIMIT_BYTES' | 'default';

export interface MemoryBudget {
  bytes: number;
  source: MemoryLimitSource;
}

/**
 * The smaller of the cgroup's limit and MEMORY_LIMIT_BYTES (which can lower the budget, never raise it past
 * the limit the kernel enforces); the default when neither is known.
 * @param cgroupLimitBytes `process.constrainedMemory()`: 0 or a huge value (2^63 rounded) when unlimited
 */
export function memoryBudget(cgroupLimitBytes: number, envLimitBytes: number | null): MemoryBudget {
  const cgroup = cgroupLimitBytes > 0 && cgroupLimitBytes < Number.MAX_SAFE_INTEGER ? cgroupLimitBytes : null;
  if (cgroup !== null && (envLimitBytes === null || cgroup <= envLimitBytes)) return { bytes: cgroup, source: 'cgroup' };
  if (envLimitBytes !== null) return { bytes: envLimitBytes, source: 'MEMORY_LIMIT_BYTES' };
  return { bytes: DEFAULT_MEMORY_LIMIT_BYTES, source: 'default' };
}

/** The defaults a memory budget gives; each can be set on its own (docs/service.md). */
export interface MemoryDerivedLimits {
  /** Bytes of answers admitted and not yet handed to the kernel, all clients together. */
  bytesInFlight: number;
  /** The same, for one API key. */
  bytesInFlightPerKey: number;
  /** The per-key byte rate: one second of it is the whole in-flight budget, well below the memory limit. */
  keyBytesPerS: number;
  maxConnections: number;
}

export function memoryDerivedLimits(budgetBytes: number): MemoryDerivedLimits {
  const usable = Math.max(0, budgetBytes - RESERVED_BYTES);
  const bytesInFlight = Math.floor(usable / IN_FLIGHT_SHARE);
  return {
    bytesInFlight,
    bytesInFlightPerKey: Math.floor(bytesInFlight / KEY_SHARE),
    keyBytesPerS: bytesInFlight,
    maxConnections: Math.floor((usable - 2 * bytesInFlight) / BYTES_PER_CONNECTION),
  };
}
