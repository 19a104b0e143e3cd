import type { Integrity, Mode, Selftest } from '../../contracts/version-document.js';

export interface ModeInput {
  integrity: Integrity;
  integrityDetail: string;
  selftest: Selftest;
  selftestDetail: string;
  /** Whether a verified, self-tested core is streaming right now, and if not, why. */
  coreRunning: boolean;
  coreDetail: string;
  strictFips: boolean;
}

export interface ModeDecision {
  mode: Mode;
  /** Why the mode is not `sealed`; null when it is. */
  reason: string | null;
}

/**
 * The attestation state machine's one decision. A core that is not the one the manifest names is never
 * worked around: `blocked`, whatever else is configured. A verified core that failed or could not finish
 * its self-test, or is not running, is replaced by Node's CSPRNG only when STRICT_FIPS allows it.
 */
export function modeFor(input: ModeInput): ModeDecision {
  if (input.integrity !== 'verified') {
    return { mode: 'blocked', reason: `core integrity ${input.integrity}: ${input.integrityDetail}` };
  }
  let problem: string;
  if (input.selftest !== 'pass') problem = `self-test ${input.selftest}: ${input.selftestDetail}`;
  else if (!input.coreRunning) problem = `core not running: ${input.coreDetail}`;
  else return { mode: 'sealed', reason: null };
  return input.strictFips
    ? { mode: 'blocked', reason: `${problem}; STRICT_FIPS=1 forbids the fallback` }
    : { mode: 'fallback', reason: `${problem}; serving Node's crypto.randomFillSync instead (STRICT_FIPS=0)` };
}

/** Whether /random can answer, and so whether /ready is 200. */
export function canServe(mode: Mode): boolean {
  return mode !== 'blocked';
}
