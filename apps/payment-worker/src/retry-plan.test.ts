import { describe, expect, it } from 'vitest';
import { planFailure, retriesSoFar } from './retry-plan.ts';

const death = (queue: string, count: number, reason = 'expired') => ({ queue, reason, count, exchange: 'payments.retry', 'routing-keys': ['1'] });

describe('retry plan from x-death', () => {
  it('starts at retry 1 for a fresh message', () => {
    expect(retriesSoFar(undefined)).toBe(0);
    expect(planFailure({}, 3)).toEqual({ kind: 'retry', retry: 1 });
  });

  it('counts expiries out of the delay queues only', () => {
    const headers = {
      'x-death': [death('payments.retry.2', 1), death('payments.retry.1', 1), death('payments.parked', 4), death('payments', 1, 'rejected')],
    };
    expect(retriesSoFar(headers)).toBe(2);
    expect(planFailure(headers, 3)).toEqual({ kind: 'retry', retry: 3 });
  });

  it('dead-letters once every retry is used', () => {
    const headers = { 'x-death': [death('payments.retry.3', 1), death('payments.retry.2', 1), death('payments.retry.1', 1)] };
    expect(planFailure(headers, 3)).toEqual({ kind: 'dead', retries: 3 });
  });

  it('reads counts encoded as bigint or typed values, and survives garbage', () => {
    expect(retriesSoFar({ 'x-death': [{ queue: 'payments.retry.1', reason: 'expired', count: 2n }] })).toBe(2);
    expect(retriesSoFar({ 'x-death': [{ queue: 'payments.retry.1', reason: 'expired', count: { type: 'long', value: 1 } }] })).toBe(1);
    expect(retriesSoFar({ 'x-death': 'nonsense' })).toBe(0);
    expect(retriesSoFar({ 'x-death': [null, 7] })).toBe(0);
  });
});
