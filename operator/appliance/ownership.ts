// Whose an object is: the operator changes only objects whose controlling owner reference is this
// appliance's. An object of a child's name that lacks it (made by someone else) is never applied over:
// server-side apply with force would take it over, and the owner reference it adds would have it deleted
// with the appliance.

export type Ownership = 'absent' | 'owned' | 'foreign';

interface Owned {
  metadata?: { ownerReferences?: readonly { uid: string; controller?: boolean }[] };
}

export function ownership(live: Owned | undefined, applianceUid: string | undefined): Ownership {
  if (live === undefined) return 'absent';
  const owned = applianceUid !== undefined && (live.metadata?.ownerReferences ?? []).some((r) => r.uid === applianceUid && r.controller === true);
  return owned ? 'owned' : 'foreign';
}
