import { Type, type SchemaOptions, type TLiteral, type TRecord, type TString, type TUnion } from '@sinclair/typebox';

/** A CEL rule the API server enforces (`x-kubernetes-validations`). */
export interface CelRule {
  rule: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

/** Schema options with the Kubernetes extensions the CRD generator keeps. */
export interface KubeSchemaOptions extends SchemaOptions {
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/**
 * A string enum. TypeBox models it as a union of literals (so its values check and decode);
 * {@link toStructural} turns that `anyOf` of constants into the `{type: string, enum}` a
 * structural CRD schema needs.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v as T[number])), options);
}

/** A Go-style duration limited to what the operator converts: `500ms`, `30s`, `5m`, `1h`. */
export function Duration(options: SchemaOptions = {}): TString {
  return Type.String({ pattern: '^[0-9]{1,7}(ms|s|m|h)$', maxLength: 10, ...options });
}

/** A string-to-string map (labels, Kafka topic config, queue arguments). */
export function StringMap(options: SchemaOptions = {}): TRecord<TString, TString> {
  return Type.Record(Type.String(), Type.String({ maxLength: 1024 }), { maxProperties: 64, ...options });
}

const KEPT = new Set([
  'type', 'description', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'pattern', 'enum', 'format', 'minItems', 'maxItems', 'minProperties',
  'maxProperties', 'nullable', 'x-kubernetes-validations', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string',
]);

/**
 * Turns a TypeBox schema into a structural OpenAPI v3 schema for a CRD: drops what the API
 * server rejects (`$id`, `additionalProperties: false`, TypeBox symbols), turns `Type.Record`
 * (`patternProperties`) into `additionalProperties`, keeps validations and defaults.
 */
export function toStructural(schema: unknown): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null) throw new TypeError('schema must be an object');
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (Array.isArray(src.anyOf)) {
    const consts = (src.anyOf as Record<string, unknown>[]).map((s) => s.const);
    if (!consts.every((c) => typeof c === 'string')) throw new TypeError('only unions of string literals are supported');
    out.type = 'string';
    out.enum = consts;
  }
  for (const [key, value] of Object.entries(src)) {
    if (KEPT.has(key)) out[key] = value;
  }
  if (src.type === 'object') {
    const props = src.properties as Record<string, unknown> | undefined;
    if (props !== undefined) {
      out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toStructural(v)]));
      // A field with a default is never missing once the API server has defaulted it, so it is
      // not required of the user (the TypeScript type, which describes defaulted objects, keeps it).
      const required = ((src.required ?? []) as string[]).filter((name) => (props[name] as { default?: unknown } | undefined)?.default === undefined);
      if (required.length > 0) out.required = required;
    }
    const pattern = src.patternProperties as Record<string, unknown> | undefined;
    if (pattern !== undefined) {
      const values = Object.values(pattern);
      if (values.length !== 1) throw new TypeError('only single-pattern records are supported');
      out.additionalProperties = toStructural(values[0]);
    }
  }
  if (src.type === 'array') out.items = toStructural(src.items);
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new TypeError(`schema without a type cannot be structural: ${JSON.stringify(src)}`);
  }
  return out;
}
