/** Options every coded error accepts when it is raised. */
export interface CodedErrorOptions {
  /** The error that caused this one; kept for logs, never sent to callers. */
  cause?: unknown;
  /** Structured, caller-safe details (for example which field failed validation). */
  details?: Record<string, unknown>;
}

/**
 * An error a caller can see: a stable `code`, a human message, the HTTP status it maps to,
 * and whether retrying the same operation can help.
 */
export class CodedError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    statusCode: number,
    retriable: boolean,
    options: CodedErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    this.statusCode = statusCode;
    this.retriable = retriable;
    this.details = options.details;
  }

  /** The body sent to HTTP callers: code and message, plus details when there are any. */
  toJSON(): { code: string; message: string; statusCode: number; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      statusCode: this.statusCode,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}
