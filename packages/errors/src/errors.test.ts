import { describe, expect, it } from 'vitest';
import { CodedError, defineError, isRetriable } from './index.ts';

describe('defineError', () => {
  const NotFound = defineError<[string]>({ code: 'TEST_ERR_NOT_FOUND', message: (id) => `order ${id} not found`, statusCode: 404 });
  const Unreachable = defineError({ code: 'TEST_ERR_UNREACHABLE', message: 'broker unreachable', statusCode: 503, retriable: true });

  it('carries code, formatted message, status and retriable flag', () => {
    const err = new NotFound(['o-1']);
    expect(err).toBeInstanceOf(CodedError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('TEST_ERR_NOT_FOUND');
    expect(err.message).toBe('order o-1 not found');
    expect(err.statusCode).toBe(404);
    expect(err.retriable).toBe(false);
    expect(NotFound.is(err)).toBe(true);
    expect(Unreachable.is(err)).toBe(false);
    expect(err.toJSON()).toEqual({ code: 'TEST_ERR_NOT_FOUND', message: 'order o-1 not found', statusCode: 404 });
  });

  it('keeps the cause and details', () => {
    const cause = new Error('socket hang up');
    const err = new Unreachable([], { cause, details: { host: '127.0.0.1' } });
    expect(err.cause).toBe(cause);
    expect(err.toJSON().details).toEqual({ host: '127.0.0.1' });
  });

  it('refuses a code declared twice or not in UPPER_SNAKE_CASE', () => {
    expect(() => defineError({ code: 'TEST_ERR_NOT_FOUND', message: 'again' })).toThrow(/declared twice/);
    expect(() => defineError({ code: 'lower_case', message: 'x' })).toThrow(/UPPER_SNAKE_CASE/);
  });
});

describe('isRetriable', () => {
  it('trusts coded errors, client retry flags and transient socket codes', () => {
    const Busy = defineError({ code: 'TEST_ERR_BUSY', message: 'busy', retriable: true });
    expect(isRetriable(new Busy([]))).toBe(true);
    expect(isRetriable({ name: 'ClientError', retriable: false })).toBe(false);
    expect(isRetriable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetriable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isRetriable(new TypeError('bad'))).toBe(false);
    expect(isRetriable('string')).toBe(false);
  });
});
