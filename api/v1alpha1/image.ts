// Image references and the digest an appliance runs. An appliance runs exactly one image digest: the one
// its spec.image names (`repo@sha256:…` or `repo:tag@sha256:…`), or for a bare tag the operator's default
// digest. Its pods are rendered with that digest, and a pod whose kubelet reports another one is cordoned.

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

export interface ImageReference {
  /** Everything before the tag and digest: registry, path and name. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `registry:5000/team/r4:1.2@sha256:…`; the port's colon is not a tag's. */
export function parseImageReference(reference: string): ImageReference {
  const [named = '', digest] = reference.split('@', 2);
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? named.slice(0, colon) : named,
    ...(hasTag && { tag: named.slice(colon + 1) }),
    ...(digest !== undefined && { digest }),
  };
}

/** The image an appliance's pods run, pinned: its reference with the digest in force, and that digest. */
export function pinImage(image: string, defaultDigest: string): { reference: string; digest: string } {
  const parsed = parseImageReference(image);
  const digest = parsed.digest ?? defaultDigest;
  return { reference: `${parsed.repository}${parsed.tag ? `:${parsed.tag}` : ''}@${digest}`, digest };
}

/**
 * The digest in a kubelet's containerStatuses[].imageID, whatever the runtime's spelling
 * (`docker.io/library/r4@sha256:…`, `localhost/r4@sha256:…`, `sha256:…`); undefined if it names none.
 */
export function reportedDigest(imageID: string | undefined): string | undefined {
  const match = /(sha256:[0-9a-f]{64})$/.exec(imageID ?? '');
  return match?.[1];
}
