// What the pure query parsers of the routes share: naming unknown parameters, bounded so a hostile query
// cannot inflate the answer.
const SHOWN_UNKNOWN = 5;
const SHOWN_NAME_LENGTH = 40;

/** The problem with the query's parameters outside `allowed`, or undefined if there are none. */
export function unknownParameters(query: Readonly<Record<string, unknown>>, allowed: readonly string[]): string | undefined {
  const names = Object.keys(query).filter((name) => !allowed.includes(name));
  if (names.length === 0) return undefined;
  const shown = names.slice(0, SHOWN_UNKNOWN).map((name) => JSON.stringify(name.length > SHOWN_NAME_LENGTH ? `${name.slice(0, SHOWN_NAME_LENGTH)}…` : name));
  const more = names.length > SHOWN_UNKNOWN ? ` and ${names.length - SHOWN_UNKNOWN} more` : '';
  return `unknown query parameter${names.length > 1 ? 's' : ''} ${shown.join(', ')}${more} (allowed: ${allowed.join(', ')})`;
}
