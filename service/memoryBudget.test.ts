import { DEFAULT_MEMORY_LIMIT_BYTES, memoryBudget, memoryDerivedLimits, RESERVED_BYTES } from './memoryBudget.js';

const MIB = 1024 * 1024;
/** What process.constrainedMemory() gives without a limit under cgroup v1 (and libuv's "max" under v2). */
const UNLIMITED_V1 = 9223372036854771712;
const UNLIMITED_V2 = 2 ** 64 - 1;

describe('memoryBudget', () => {
  it.each([
    ['the cgroup limit alone', 256 * MIB, null, { bytes: 256 * MIB, source: 'cgroup' }],
    ['MEMORY_LIMIT_BYTES alone (no cgroup limit)', 0, 512 * MIB, { bytes: 512 * MIB, source: 'MEMORY_LIMIT_BYTES' }],
    ['MEMORY_LIMIT_BYTES lowering the cgroup limit', 1024 * MIB, 300 * MIB, { bytes: 300 * MIB, source: 'MEMORY_LIMIT_BYTES' }],
    ['the cgroup limit when MEMORY_LIMIT_BYTES would raise it', 256 * MIB, 1024 * MIB, { bytes: 256 * MIB, source: 'cgroup' }],
    ['the default when unlimited under cgroup v1', UNLIMITED_V1, null, { bytes: DEFAULT_MEMORY_LIMIT_BYTES, source: 'default' }],
    ['the default when unlimited under cgroup v2', UNLIMITED_V2, null, { bytes: DEFAULT_MEMORY_LIMIT_BYTES, source: 'default' }],
    ['MEMORY_LIMIT_BYTES when the cgroup is unlimited', UNLIMITED_V1, 128 * MIB, { bytes: 128 * MIB, source: 'MEMORY_LIMIT_BYTES' }],
  ])('takes %s', (_case, cgroup, env, expected) => {
    expect(memoryBudget(cgroup, env)).toEqual(expected);
  });
});

describe('memoryDerivedLimits', () => {
  it('gives the documented figures for the appliance default of 256 MiB', () => {
    expect(memoryDerivedLimits(256 * MIB)).toEqual({
      bytesInFlight: 40 * MIB,
      bytesInFlightPerKey: 10 * MIB,
      keyBytesPerS: 40 * MIB,
      maxConnections: 2560,
    });
  });

  it.each([128, 256, 512, 1024, 4096])('never lets answers (twice over) and connections outgrow %i MiB', (mib) => {
    const limits = memoryDerivedLimits(mib * MIB);
    const worstCase = RESERVED_BYTES + 2 * limits.bytesInFlight + limits.maxConnections * 32 * 1024;
    expect(worstCase).toBeLessThanOrEqual(mib * MIB);
    expect(limits.keyBytesPerS).toBeLessThanOrEqual((mib * MIB) / 2);
  });

  it('leaves nothing for answers when the budget is below the reserve', () => {
    expect(memoryDerivedLimits(64 * MIB)).toEqual({ bytesInFlight: 0, bytesInFlightPerKey: 0, keyBytesPerS: 0, maxConnections: 0 });
  });
});
