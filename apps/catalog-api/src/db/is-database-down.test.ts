import { describe, expect, it } from 'vitest';
import { isDatabaseDown } from './is-database-down.ts';

describe('isDatabaseDown', () => {
  it('counts unreachable and unable-to-serve databases', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('too many connections'), { code: '53300' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
    ]) {
      expect(isDatabaseDown(err), err.message).toBe(true);
    }
  });

  it('does not count a statement the database refused', () => {
    for (const code of ['23505', '23514', '22P02', '42P01']) {
      expect(isDatabaseDown(Object.assign(new Error('refused'), { code })), code).toBe(false);
    }
    expect(isDatabaseDown(undefined)).toBe(false);
  });
});
