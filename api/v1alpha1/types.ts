// The EntropyAppliance as TypeScript sees it: inferred from the schema, so the type and the CRD are one.
import type { Infer } from './schema-builder.js';
import type { conditionSchema, podStatusSchema, specSchema, statusSchema } from './schema.js';

export type EntropyApplianceSpec = Infer<typeof specSchema>;
export type EntropyApplianceStatus = Infer<typeof statusSchema>;
export type PodStatusEntry = Infer<typeof podStatusSchema>;
export type ConditionEntry = Infer<typeof conditionSchema>;
export type Toleration = NonNullable<EntropyApplianceSpec['tolerations']>[number];
export type ResourceQuantities = NonNullable<EntropyApplianceSpec['resources']>;
export type ServiceType = NonNullable<NonNullable<EntropyApplianceSpec['service']>['type']>;
/** One NetworkPolicy peer that may connect to the appliance's pods. */
export type ApplianceClient = NonNullable<EntropyApplianceSpec['clients']>[number];

/** The object metadata the operator reads (a subset of ObjectMeta). */
export interface ApplianceMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface EntropyAppliance {
  apiVersion: string;
  kind: string;
  metadata: ApplianceMetadata;
  spec: EntropyApplianceSpec;
  status?: EntropyApplianceStatus;
}
