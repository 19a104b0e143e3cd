// The attestation dashboard's JSON API (/api/v1/...): what the operator serves, what the page in dashboard/
// renders, and what a team scripts against. Each shape is declared once as a schema that also carries its
// TypeScript type, so the OpenAPI document (operator/dashboard/openapi.ts) and the code cannot drift.
import { array, boolean, integer, object, oneOf, string, type Infer } from '../v1alpha1/schema-builder.js';
import { conditionSchema, vrfStatusSchema } from '../v1alpha1/schema.js';
import { VERDICTS } from '../v1alpha1/verdicts.js';

export const DASHBOARD_API_PREFIX = '/api/v1';

const time = (description: string) => string({ format: 'date-time', description });

/** One entropy pod as the operator last judged it, beside what it should be. */
export const dashboardPodSchema = object(
  {
    name: string(),
    node: string({ description: 'spec.nodeName; absent until scheduled.' }),
    podIP: string(),
    phase: string({ description: "The pod's phase as the kubelet reports it." }),
    ready: boolean({ description: 'The pod is Ready (its r4.dev/attested readiness gate included): it gets traffic.' }),
    imageDigest: string({ description: 'The digest the kubelet reports for the entropy container (sha256:...).' }),
    expectedImageDigest: string({
      description: "The digest this pod must run: the appliance's, or while a rollout replaces the previous digest's pods, that previous digest for them (both are accepted then).",
    }),
    coreSha256: string({ description: 'The core hash the pod last reported in a signed answer.' }),
    expectedCoreSha256: string(),
    integrity: string(),
    selftest: string(),
    mode: string(),
    verdict: oneOf(VERDICTS),
    reason: string(),
    message: string(),
    consecutiveFailures: integer({ minimum: 0 }),
    lastChecked: time('The probe that last changed the pod\'s judgment (a probe that confirms it is not written).'),
    verdictSince: time('When the pod got its current verdict.'),
  },
  { required: ['name', 'phase', 'ready', 'expectedImageDigest', 'expectedCoreSha256', 'verdict', 'reason', 'message', 'consecutiveFailures'] },
);
export type DashboardPod = Infer<typeof dashboardPodSchema>;

/**
 * An appliance's state in one word, with an icon on the page (never colour alone):
 * Trusted: every pod attested, nothing rolling out. Degraded: serving, but a pod is cordoned or the spec
 * is refused. Unavailable: no attested pod serves. Progressing: serving, pods still being replaced or awaiting their first attestation.
 */
export const APPLIANCE_STATES = ['Trusted', 'Degraded', 'Unavailable', 'Progressing'] as const;
export type ApplianceState = (typeof APPLIANCE_STATES)[number];

export const applianceSummarySchema = object(
  {
    namespace: string(),
    name: string(),
    state: oneOf(APPLIANCE_STATES),
    stateReason: string({ description: "The condition reason behind the state (Available's when unavailable, Degraded's when degraded)." }),
    stateMessage: string(),
    replicas: integer({ minimum: 0, description: 'Pods asked for (spec.replicas).' }),
    pods: integer({ minimum: 0, description: 'Pods that exist.' }),
    attested: integer({ minimum: 0 }),
    cordoned: integer({ minimum: 0 }),
    pending: integer({ minimum: 0 }),
    available: integer({ minimum: 0, description: 'Ready pods: attested and serving traffic.' }),
    coreSha256: string({ description: 'The core hash in force.' }),
    imageDigest: string({ description: 'The image digest in force.' }),
    createdAt: time('When the appliance was created.'),
  },
  { required: ['namespace', 'name', 'state', 'stateReason', 'stateMessage', 'replicas', 'pods', 'attested', 'cordoned', 'pending', 'available', 'createdAt'] },
);
export type ApplianceSummary = Infer<typeof applianceSummarySchema>;

/** A Kubernetes Event the operator recorded about the appliance or one of its pods. */
export const dashboardEventSchema = object(
  {
    uid: string(),
    type: oneOf(['Normal', 'Warning'] as const),
    reason: string(),
    message: string(),
    object: string({ description: 'Kind/name of the object the Event is about.' }),
    count: integer({ minimum: 1 }),
    at: time('When it last happened.'),
  },
  { required: ['uid', 'type', 'reason', 'message', 'object', 'count', 'at'] },
);
export type DashboardEvent = Infer<typeof dashboardEventSchema>;

/** One change of a pod's verdict: the history that answers "when was it cordoned, and was it ever trusted". */
export const verdictChangeSchema = object(
  {
    pod: string(),
    at: time('When the operator observed the change.'),
    verdict: oneOf(VERDICTS),
    reason: string(),
    message: string(),
    source: oneOf(['status', 'event'] as const, {
      description:
        "What first told this replica of the change: the appliance status it watches, or the operator's Event (the only source for what happened before the replica started).",
    }),
  },
  { required: ['pod', 'at', 'verdict', 'reason', 'message', 'source'] },
);
export type VerdictChange = Infer<typeof verdictChangeSchema>;

export const dashboardVrfSchema = object(
  {
    keys: vrfStatusSchema,
    latestRound: integer({ minimum: 0, description: 'The beacon round that has begun most recently (0 before genesis).' }),
    latestRoundAt: time('When that round began.'),
  },
  { required: ['keys', 'latestRound'] },
);
export type DashboardVrf = Infer<typeof dashboardVrfSchema>;

export const applianceDetailSchema = object(
  {
    revision: integer({ minimum: 0, description: "The replica's change counter this view reflects (see the stream)." }),
    summary: applianceSummarySchema,
    pods: array(dashboardPodSchema),
    conditions: array(conditionSchema),
    events: array(dashboardEventSchema, { description: 'Newest first, at most 50.' }),
    history: array(verdictChangeSchema, { description: "Verdict changes of the appliance's pods (deleted ones too, while remembered), newest first." }),
    vrf: dashboardVrfSchema,
  },
  { required: ['revision', 'summary', 'pods', 'conditions', 'events', 'history'] },
);
export type ApplianceDetail = Infer<typeof applianceDetailSchema>;

export const fleetSchema = object(
  {
    revision: integer({ minimum: 0 }),
    replica: string({ description: 'The operator replica that answered.' }),
    leader: boolean({ description: 'Whether that replica leads (every replica serves the same view from its own watches).' }),
    appliances: array(applianceSummarySchema),
  },
  { required: ['revision', 'replica', 'leader', 'appliances'] },
);
export type Fleet = Infer<typeof fleetSchema>;

export const errorSchema = object({ detail: string() }, { required: ['detail'] });

const applianceKey = { namespace: string(), name: string() };

/**
 * GET /api/v1/stream: Server-Sent Events, each `event: <type>` with one JSON `data:` line. The first is
 * `hello`; then changes only, each with the revision it brings the replica to. A client fetches a snapshot
 * after `hello` and applies the changes whose revision is newer; after a reconnect (possibly to another
 * replica, whose revisions are its own) it starts over. `heartbeat` comes every few seconds, so silence
 * means the view is stale.
 */
export const streamMessageSchemas = {
  hello: object({ revision: integer(), replica: string(), leader: boolean(), heartbeatSeconds: integer() }, { required: ['revision', 'replica', 'leader', 'heartbeatSeconds'] }),
  heartbeat: object({ revision: integer(), leader: boolean() }, { required: ['revision', 'leader'] }),
  appliance: object({ revision: integer(), summary: applianceSummarySchema }, { required: ['revision', 'summary'] }),
  'appliance-removed': object({ revision: integer(), ...applianceKey }, { required: ['revision', 'namespace', 'name'] }),
  pods: object(
    { revision: integer(), ...applianceKey, upserted: array(dashboardPodSchema), removed: array(string()) },
    { required: ['revision', 'namespace', 'name', 'upserted', 'removed'], description: 'Only the pods that changed, were added or are gone.' },
  ),
  detail: object(
    { revision: integer(), ...applianceKey, conditions: array(conditionSchema), vrf: dashboardVrfSchema },
    { required: ['revision', 'namespace', 'name', 'conditions'], description: "The appliance's conditions or VRF keys changed (vrf absent: it has none)." },
  ),
  event: object({ revision: integer(), ...applianceKey, event: dashboardEventSchema }, { required: ['revision', 'namespace', 'name', 'event'] }),
  'verdict-change': object({ revision: integer(), ...applianceKey, change: verdictChangeSchema }, { required: ['revision', 'namespace', 'name', 'change'] }),
} as const;

export type StreamMessageType = keyof typeof streamMessageSchemas;
export type StreamMessage = { [T in StreamMessageType]: { type: T; data: Infer<(typeof streamMessageSchemas)[T]> } }[StreamMessageType];
