import { readFileSync } from 'node:fs';
import { type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Thrown at start-up when the environment does not fit the schema; names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_ERR_INVALID';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

function isSecret(schema: TSchema | undefined): boolean {
  return (schema as { secret?: unknown } | undefined)?.secret === true;
}

/**
 * Reads the variables named by the schema's keys, with `NAME_FILE` pointing at a file (a
 * mounted Kubernetes Secret) as an alternative to `NAME`.
 */
function readRaw(schema: TObject, env: Env, problems: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const file = env[`${key}_FILE`];
    if (file !== undefined && file !== '') {
      try {
        raw[key] = readFileSync(file, 'utf8').trim();
      } catch (err) {
        problems.push(`${key}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      continue;
    }
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

/** TypeBox says "Expected union value" for enums; name the allowed words instead. */
function describe(field: TSchema | undefined, fallback: string): string {
  const options = (field as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  if (options !== undefined && options.every((o) => typeof o.const === 'string')) {
    return `expected one of ${options.map((o) => String(o.const)).join(', ')}`;
  }
  return fallback.charAt(0).toLowerCase() + fallback.slice(1);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Parses the environment once against a TypeBox schema whose keys are variable names, and
 * returns a frozen, typed object. Any mismatch fails with every offending variable named;
 * values of variables marked `secret` never appear in the message.
 */
export function loadConfig<S extends TObject>(schema: S, env: Env = process.env): Readonly<Static<S>> {
  const problems: string[] = [];
  const raw = readRaw(schema, env, problems);
  // Default and Convert work in place; keep what the environment said for the messages.
  const value = Value.Convert(schema, Value.Default(schema, { ...raw }));
  for (const error of Value.Errors(schema, value)) {
    const key = error.path.replace(/^\//, '').split('/')[0] ?? '';
    const field = schema.properties[key];
    const shown = isSecret(field) ? '(hidden)' : JSON.stringify(raw[key]);
    problems.push(raw[key] === undefined ? `${key}: is required but not set` : `${key}: ${describe(field, error.message)}, got ${shown}`);
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return deepFreeze(value as Static<S>);
}
