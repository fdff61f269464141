import { describe, expect, it } from 'vitest';
import { isRetriable } from './index.ts';

describe('isRetriable with client error shapes', () => {
  it('takes a client flag at its word, whichever name the client uses', () => {
    expect(isRetriable(Object.assign(new Error('leader moved'), { canRetry: true }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('not authorized'), { canRetry: false, code: 'ECONNRESET' }))).toBe(false);
    expect(isRetriable(Object.assign(new Error('busy'), { retryable: true }))).toBe(true);
  });

  it('retries an aggregate only when every part can be retried', () => {
    const transient = Object.assign(new Error('not leader'), { canRetry: true });
    const permanent = Object.assign(new Error('topic authorization failed'), { canRetry: false });
    expect(isRetriable(new AggregateError([transient, transient], 'two partitions'))).toBe(true);
    expect(isRetriable(new AggregateError([transient, permanent], 'mixed'))).toBe(false);
    expect(isRetriable(new AggregateError([], 'empty'))).toBe(false);
  });
});
