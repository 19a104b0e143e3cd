import type { Integrity, Selftest } from '../../contracts/version-document.js';
import { canServe, modeFor, type ModeInput } from './mode.js';

const input = (over: Partial<ModeInput>): ModeInput => ({
  integrity: 'verified',
  integrityDetail: 'matches',
  selftest: 'pass',
  selftestDetail: '7 tests passed',
  coreRunning: true,
  coreDetail: 'running',
  strictFips: false,
  ...over,
});

describe('modeFor', () => {
  const integrities: Integrity[] = ['verified', 'mismatch', 'missing'];
  const selftests: Selftest[] = ['pass', 'degraded', 'fail'];

  // Every combination, against the rules written out independently of the implementation.
  for (const integrity of integrities) {
    for (const selftest of selftests) {
      for (const coreRunning of [true, false]) {
        for (const strictFips of [true, false]) {
          const expected =
            integrity !== 'verified'
              ? 'blocked'
              : selftest === 'pass' && coreRunning
                ? 'sealed'
                : strictFips
                  ? 'blocked'
                  : 'fallback';
          it(`integrity=${integrity} selftest=${selftest} core=${coreRunning ? 'running' : 'down'} strict=${strictFips} -> ${expected}`, () => {
            const decision = modeFor(input({ integrity, selftest, coreRunning, strictFips }));
            expect(decision.mode).toBe(expected);
            expect(decision.reason === null).toBe(expected === 'sealed');
          });
        }
      }
    }
  }

  it('says why, naming the first problem', () => {
    expect(modeFor(input({ integrity: 'mismatch', integrityDetail: 'hash X differs', selftest: 'fail' })).reason).toBe(
      'core integrity mismatch: hash X differs',
    );
    expect(modeFor(input({ selftest: 'degraded', selftestDetail: 'no answer within 500 ms', strictFips: true })).reason).toBe(
      'self-test degraded: no answer within 500 ms; STRICT_FIPS=1 forbids the fallback',
    );
    expect(modeFor(input({ coreRunning: false, coreDetail: 'exit code 4' })).reason).toBe(
      "core not running: exit code 4; serving Node's crypto.randomFillSync instead (STRICT_FIPS=0)",
    );
  });
});

describe('canServe', () => {
  it('serves in sealed and fallback only', () => {
    expect([canServe('sealed'), canServe('fallback'), canServe('blocked')]).toEqual([true, true, false]);
  });
});
