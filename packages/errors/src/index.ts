export { CodedError } from './coded-error.ts';
export type { CodedErrorOptions } from './coded-error.ts';
export { defineError } from './define-error.ts';
export type { CodedErrorKind, ErrorDefinition } from './define-error.ts';
export { isRetriable } from './retriable.ts';
