/**
 * Bytes of answers (the length of their bodies, core/textAnswer.ts `encodedLength`) admitted and not yet
 * handed to the kernel. A client that asks and never reads keeps its answer in this process's memory until
 * its connection times out; this cap is what keeps such clients, however many, from taking the process past
 * its memory limit. One key may hold only a share, so one tenant's clients that never read cannot starve
 * the others.
 */
export interface InFlightLimits {
  /** All answers together; above it, 503. */
  totalBytes: number;
  /** One key's answers; above it, 429. */
  perKeyBytes: number;
}

export type Admission = 'admit' | 'key_full' | 'total_full';

/** The decision alone: whether an answer of `cost` bytes fits beside what is in flight. */
export function admission(totalInFlight: number, keyInFlight: number, cost: number, limits: InFlightLimits): Admission {
  if (keyInFlight + cost > limits.perKeyBytes) return 'key_full';
  if (totalInFlight + cost > limits.totalBytes) return 'total_full';
  return 'admit';
}

/** The running account; each admitted answer must be released exactly once. */
export interface InFlightAccount {
  readonly limits: InFlightLimits;
  /** Charges the answer and returns 'admit', or charges nothing and says which limit is full. */
  reserve(keyId: string, cost: number): Admission;
  release(keyId: string, cost: number): void;
}

/** One thread's account (the workers share sharedBytesInFlight.ts). */
export class BytesInFlight implements InFlightAccount {
  private total = 0;
  private readonly byKey = new Map<string, number>();

  constructor(readonly limits: InFlightLimits) {}

  /** Charges the answer and returns 'admit', or charges nothing and says which limit is full. */
  reserve(keyId: string, cost: number): Admission {
    const keyBytes = this.byKey.get(keyId) ?? 0;
    const verdict = admission(this.total, keyBytes, cost, this.limits);
    if (verdict !== 'admit') return verdict;
    this.total += cost;
    this.byKey.set(keyId, keyBytes + cost);
    return verdict;
  }

  release(keyId: string, cost: number): void {
    this.total -= cost;
    const left = (this.byKey.get(keyId) ?? 0) - cost;
    // Keys with nothing in flight are forgotten, so the map follows the answers open now, not every key seen.
    if (left > 0) this.byKey.set(keyId, left);
    else this.byKey.delete(keyId);
  }

  get bytes(): number {
    return this.total;
  }

  get keys(): number {
    return this.byKey.size;
  }
}
