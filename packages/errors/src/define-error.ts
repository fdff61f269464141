import { CodedError, type CodedErrorOptions } from './coded-error.ts';

/** How an error kind is declared once, in an app's `errors.ts`. */
export interface ErrorDefinition<Args extends unknown[]> {
  /** Stable, never reused: `ORDERS_ERR_…`, `PAYMENTS_ERR_…`. */
  code: string;
  /** Fixed text, or a function of the arguments given where the error is raised. */
  message: string | ((...args: Args) => string);
  statusCode?: number;
  /** Whether retrying the same operation can succeed (timeouts, unreachable brokers). */
  retriable?: boolean;
}

/** A constructor for one kind of coded error; `Kind.code` is the code without an instance. */
export interface CodedErrorKind<Args extends unknown[]> {
  new (args: Args, options?: CodedErrorOptions): CodedError;
  readonly code: string;
  readonly statusCode: number;
  readonly retriable: boolean;
  /** True when `err` is an instance of this kind (by code, so it survives module duplication). */
  is(err: unknown): err is CodedError;
}

const registered = new Set<string>();

/**
 * Declares an error kind, as fastify's `createError` does. A code can be declared once per
 * process, so two places cannot give the same code two meanings.
 */
export function defineError<Args extends unknown[] = []>(def: ErrorDefinition<Args>): CodedErrorKind<Args> {
  if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(def.code)) {
    throw new TypeError(`error code ${def.code} must be UPPER_SNAKE_CASE with a prefix`);
  }
  if (registered.has(def.code)) {
    throw new TypeError(`error code ${def.code} is declared twice`);
  }
  registered.add(def.code);
  const statusCode = def.statusCode ?? 500;
  const retriable = def.retriable ?? false;
  const format = def.message;

  const Kind = class extends CodedError {
    static readonly code = def.code;
    static readonly statusCode = statusCode;
    static readonly retriable = retriable;

    constructor(args: Args, options: CodedErrorOptions = {}) {
      super(def.code, typeof format === 'function' ? format(...args) : format, statusCode, retriable, options);
      this.name = def.code;
    }

    static is(err: unknown): err is CodedError {
      return err instanceof CodedError && err.code === def.code;
    }
  };
  return Kind;
}
