// The DNS names a server certificate is for: checked and lowercased on the way in, compared as sets after.

/** One RFC 1123 label; names are lowercased before they are checked, as DNS compares them case-blind. */
const LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** A host name, optionally with one leading wildcard label (`*.web.ns.svc` covers every pod of a headless Service). */
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);
const MAX_NAME_LENGTH = 253;

/**
 * The names, lowercased and without repeats, in the order given (the first becomes the subject's CN).
 * A name that is not a DNS name is refused here rather than baked into a certificate no client accepts.
 */
export function normalizeDnsNames(names: readonly string[]): string[] {
  if (names.length === 0) throw new Error('a server certificate needs at least one DNS name');
  const out: string[] = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    if (lower.length > MAX_NAME_LENGTH || !DNS_NAME.test(lower)) throw new Error(`${JSON.stringify(name)} is not a DNS name`);
    if (!out.includes(lower)) out.push(lower);
  }
  return out;
}

/** Whether two lists name the same hosts, ignoring order, case and repeats. */
export function sameDnsNames(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((n) => n.toLowerCase()));
  const right = new Set(b.map((n) => n.toLowerCase()));
  return left.size === right.size && [...left].every((n) => right.has(n));
}
