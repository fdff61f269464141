import { Type, type TBoolean, type TInteger, type TLiteral, type TNumber, type TSchema, type TString, type TUnion } from '@sinclair/typebox';

/** Field builders for config schemas; each documents itself in the schema's description. */
export const env = {
  /** A TCP port. */
  port(defaultValue?: number): TInteger {
    return Type.Integer({ minimum: 1, maximum: 65535, ...(defaultValue === undefined ? {} : { default: defaultValue }) });
  },
  /** A whole number within bounds. */
  int(options: { default?: number; minimum?: number; maximum?: number } = {}): TInteger {
    return Type.Integer(options);
  },
  /** A number within bounds. */
  number(options: { default?: number; minimum?: number; maximum?: number } = {}): TNumber {
    return Type.Number(options);
  },
  /** `true`/`false` (also 1/0). */
  bool(defaultValue?: boolean): TBoolean {
    return Type.Boolean(defaultValue === undefined ? {} : { default: defaultValue });
  },
  /** Free text. */
  string(options: { default?: string; minLength?: number; pattern?: string } = {}): TString {
    return Type.String(options);
  },
  /** A URL whose scheme is one of `protocols` (for example `postgres`, `amqp`). */
  url(protocols: readonly string[], options: { default?: string } = {}): TString {
    const alternatives = protocols.map((p) => p.replace(/[^a-z0-9+.-]/gi, '')).join('|');
    return Type.String({ pattern: `^(${alternatives})://.+`, ...options });
  },
  /** A credential: required, never printed in errors. Also readable from `NAME_FILE`. */
  secret(options: { minLength?: number } = {}): TString {
    return Type.String({ minLength: options.minLength ?? 1, secret: true });
  },
  /** One of a fixed set of words. */
  oneOf<const T extends readonly string[]>(values: T, defaultValue?: T[number]): TUnion<TLiteral<T[number]>[]> {
    return Type.Union(
      values.map((v) => Type.Literal(v as T[number])),
      defaultValue === undefined ? {} : { default: defaultValue },
    );
  },
  /** An optional field: absent when the variable is unset. */
  optional<T extends TSchema>(schema: T) {
    return Type.Optional(schema);
  },
};
