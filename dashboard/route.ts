// Hash routing: "#/" is the fleet, "#/appliances/<namespace>/<name>" one appliance. Anything else is the fleet.

export type Route = { view: 'fleet' } | { view: 'appliance'; namespace: string; name: string };

export function parseRoute(hash: string): Route {
  const match = /^#\/appliances\/([^/]+)\/([^/]+)\/?$/.exec(hash);
  if (!match) return { view: 'fleet' };
  try {
    return { view: 'appliance', namespace: decodeURIComponent(match[1] as string), name: decodeURIComponent(match[2] as string) };
  } catch {
    return { view: 'fleet' };
  }
}

export function applianceHref(namespace: string, name: string): string {
  return `#/appliances/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** The API path of one appliance, relative to the page (so the dashboard works behind a path prefix). */
export function applianceApiPath(namespace: string, name: string): string {
  return `api/v1/appliances/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}
