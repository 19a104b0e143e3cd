// Equality of API objects by content: the API server keeps keys in an order of its own.

/** JSON with sorted keys, so two equal statuses compare equal whatever order the API server keeps. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
