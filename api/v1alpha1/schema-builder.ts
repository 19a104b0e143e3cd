// A small builder for the OpenAPI v3 "structural" schemas a CustomResourceDefinition accepts, whose values
// also carry the TypeScript type they describe: `Infer<typeof s>`. One declaration is then both the CRD's
// validation (generated into crds/ by `npm run generate`) and the type the operator compiles against, so
// the two cannot drift. Only what the appliance's schema uses is here; each function maps 1:1 to schema
// keywords, so the generated YAML reads like a hand-written one.

/** The subset of JSONSchemaProps (apiextensions.k8s.io/v1) this builder writes. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  enum?: readonly string[];
  default?: unknown;
  properties?: Record<string, JSONSchemaProps>;
  required?: readonly string[];
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  anyOf?: readonly JSONSchemaProps[];
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-list-type'?: 'map' | 'set' | 'atomic';
  'x-kubernetes-list-map-keys'?: readonly string[];
  'x-kubernetes-validations'?: readonly { rule: string; message: string }[];
}

declare const described: unique symbol;

/** A schema and, at compile time only, the type of the values it admits. */
export interface Schema<T> {
  readonly json: JSONSchemaProps;
  readonly [described]?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Flattens an intersection so editors show one object type. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

interface Documented {
  description?: string;
}

const schema = <T>(json: JSONSchemaProps): Schema<T> => ({ json: stripUndefined(json) });

function stripUndefined(json: JSONSchemaProps): JSONSchemaProps {
  return Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined)) as JSONSchemaProps;
}

export function string(options: Documented & { pattern?: string; minLength?: number; maxLength?: number; format?: 'date-time'; default?: string } = {}): Schema<string> {
  return schema({ type: 'string', ...options });
}

export function integer(options: Documented & { minimum?: number; maximum?: number; format?: 'int32' | 'int64'; default?: number } = {}): Schema<number> {
  return schema({ type: 'integer', ...options });
}

export function boolean(options: Documented & { default?: boolean } = {}): Schema<boolean> {
  return schema({ type: 'boolean', ...options });
}

/** A string from a fixed list; the type is the union of the list's members. */
export function oneOf<const V extends readonly string[]>(values: V, options: Documented & { default?: V[number] } = {}): Schema<V[number]> {
  return schema({ type: 'string', enum: values, ...options });
}

/** An integer or a string; `pattern` applies to the string form (as controller-gen writes a resource.Quantity). */
export function intOrString(options: Documented & { pattern?: string } = {}): Schema<number | string> {
  return schema({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true, ...options });
}

/** A list; `mapKeys` makes it a list-map (server-side apply merges its entries by those keys). */
export function array<T>(items: Schema<T>, options: Documented & { maxItems?: number; mapKeys?: readonly string[] } = {}): Schema<T[]> {
  const { mapKeys, ...rest } = options;
  return schema({
    type: 'array',
    ...rest,
    ...(mapKeys && { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': mapKeys }),
    items: items.json,
  });
}

/** An object with arbitrary keys and values of one schema. */
export function map<T>(values: Schema<T>, options: Documented = {}): Schema<Record<string, T>> {
  return schema({ type: 'object', ...options, additionalProperties: values.json });
}

type ObjectType<P extends Record<string, Schema<unknown>>, R extends keyof P> = Flat<
  { [K in R]: Infer<P[K]> } & { [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;

/** An object with known properties; those in `required` are required, in the type as in the schema. */
export function object<P extends Record<string, Schema<unknown>>, const R extends readonly (keyof P & string)[] = []>(
  properties: P,
  options: Documented & { required?: R; default?: Record<string, never>; validations?: readonly { rule: string; message: string }[] } = {},
): Schema<ObjectType<P, R[number]>> {
  const { required, validations, ...rest } = options;
  return schema({
    type: 'object',
    ...rest,
    ...(required && required.length > 0 && { required }),
    ...(validations && { 'x-kubernetes-validations': validations }),
    properties: Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, s.json])),
  });
}
