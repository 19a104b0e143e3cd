// The first step of every strict parser of a contract: the text must be one JSON object.

export type ParsedObject = { ok: true; object: Record<string, unknown> } | { ok: false; reason: string };

/** `what` names the text in the reason, e.g. "the /version answer". */
export function parseJsonObject(text: string, what: string): ParsedObject {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${what} is not JSON` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: `${what} is not a JSON object` };
  return { ok: true, object: json as Record<string, unknown> };
}
