// The OpenAPI 3.1 document of the dashboard's JSON API (GET /api/v1/openapi.json), made from the same
// schemas the code is typed by (api/dashboard/v1.ts).
import {
  applianceDetailSchema,
  DASHBOARD_API_PREFIX,
  errorSchema,
  fleetSchema,
  streamMessageSchemas,
} from '../../api/dashboard/v1.js';

const errors = (statuses: Record<string, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));

const common = {
  '401': 'A bearer token is configured and the request carries none, or a wrong one.',
  '503': "This replica's watches have not listed the cluster yet, or the token file cannot be read.",
};

export function dashboardOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'r4 attestation dashboard',
      version: 'v1',
      description:
        "Read-only: the operator's attestation view of every EntropyAppliance, as every operator replica builds it from its own watches. " +
        'When the operator is given a token (DASHBOARD_TOKEN_FILE), every path below needs `Authorization: Bearer <token>`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Fleet: fleetSchema.json,
        ApplianceDetail: applianceDetailSchema.json,
        Error: errorSchema.json,
        ...Object.fromEntries(Object.entries(streamMessageSchemas).map(([type, s]) => [`Stream_${type.replace('-', '_')}`, s.json])),
      },
    },
    security: [{ bearer: [] }, {}],
    paths: {
      [`${DASHBOARD_API_PREFIX}/appliances`]: {
        get: {
          summary: 'Every appliance, one summary each',
          responses: { '200': { description: 'The fleet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Fleet' } } } }, ...errors(common) },
        },
      },
      [`${DASHBOARD_API_PREFIX}/appliances/{namespace}/{name}`]: {
        get: {
          summary: 'One appliance: its pods, conditions, Events, verdict history and VRF keys',
          parameters: ['namespace', 'name'].map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
          responses: {
            '200': { description: 'The appliance', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApplianceDetail' } } } },
            ...errors({ ...common, '400': 'The namespace or name is not a Kubernetes object name.', '404': 'No such appliance.' }),
          },
        },
      },
      [`${DASHBOARD_API_PREFIX}/stream`]: {
        get: {
          summary: 'Server-Sent Events: hello, then changes only (appliance, appliance-removed, pods, detail, event, verdict-change) and heartbeats',
          description:
            'Each message is `event: <type>` and one `data:` line of JSON (schemas Stream_<type>). After `hello`, fetch the snapshots and apply the changes whose revision is newer than theirs. ' +
            'Revisions are per replica: after a reconnect, start over. Silence longer than two heartbeats means the view is stale.',
          responses: { '200': { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(common) },
        },
      },
    },
  };
}
