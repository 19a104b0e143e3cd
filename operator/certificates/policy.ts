// How long the operator's certificates live and when they are renewed: the few numbers that decide rotation.

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Ten years. Every client that trusts the appliances holds this CA certificate, and replacing it means
 * redistributing trust to all of them, which the operator cannot do atomically; its key never leaves the
 * operator's Secret, so a long life costs little.
 */
export const CA_VALIDITY_DAYS = 3650;

/**
 * Ninety days. A server certificate's key sits in every appliance pod, so it should not outlive a leak for
 * long; renewal is automatic, so a short life is cheap. With renewal in the last third (below) this leaves
 * thirty days for an operator that is down or failing to notice before anything expires.
 */
export const SERVER_VALIDITY_DAYS = 90;

/**
 * Renew once only a third of a certificate's life remains (cert-manager's default too): early enough that a
 * failed renewal has time to be seen and retried, late enough that a certificate is not reissued on every
 * reconcile.
 */
export const RENEW_WHEN_REMAINING_FRACTION = 1 / 3;
/** The same rule in words, for Events; kept beside the fraction so that the two change together. */
export const RENEWAL_WINDOW_WORDS = 'the last third';

/**
 * notBefore is set this far before `now`: the nodes' clocks drift, and a certificate issued on a fast clock must
 * not be "not yet valid" to a client whose clock is a little behind.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * MINUTE_MS;

export interface ValidityWindow {
  notBefore: Date;
  notAfter: Date;
}

/**
 * The window for a certificate issued at `now` to live `validityDays`. Times are cut to whole seconds,
 * the resolution of X.509 validity, so that what is encoded is exactly what was computed.
 */
export function validityWindow(now: Date, validityDays: number): ValidityWindow {
  if (Number.isNaN(now.getTime())) throw new RangeError('now is not a valid date');
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new RangeError(`validityDays must be a positive number, got ${validityDays}`);
  }
  const at = Math.floor(now.getTime() / 1000) * 1000;
  return {
    notBefore: new Date(at - CLOCK_SKEW_ALLOWANCE_MS),
    notAfter: new Date(at + Math.round((validityDays * DAY_MS) / 1000) * 1000),
  };
}

/** The instant from which a certificate with this window is due for renewal. */
export function renewalTime({ notBefore, notAfter }: ValidityWindow): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return new Date(notAfter.getTime() - lifetime * RENEW_WHEN_REMAINING_FRACTION);
}

/** An instant as RFC 3339 UTC to the second, as people read it in Events and logs. */
export function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
