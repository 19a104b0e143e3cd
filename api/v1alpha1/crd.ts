// The CustomResourceDefinition of EntropyAppliance as an object: `npm run generate` writes it to
// crds/ and to the chart's crds/; the operator never reads it.
import { CATEGORIES, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './group.js';
import { specSchema, statusSchema } from './schema.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;

export const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD_NAME },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: CATEGORIES },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
          { name: 'Attested', type: 'integer', jsonPath: '.status.attestedReplicas' },
          { name: 'Cordoned', type: 'integer', jsonPath: '.status.cordonedReplicas' },
          { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A set of entropy pods whose core is attested continuously; pods that fail attestation are cordoned out of traffic.',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: specSchema.json,
              status: statusSchema.json,
            },
          },
        },
      },
    ],
  },
} as const;
