import { describe, expect, it } from 'vitest';
import { classifyPgError } from './classify.ts';

describe('classifyPgError', () => {
  it('tells unavailable, conflict, timeout and rejected apart', () => {
    expect(classifyPgError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('unavailable');
    expect(classifyPgError(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
    expect(classifyPgError(new Error('timeout exceeded when trying to connect'))).toBe('unavailable');
    expect(classifyPgError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe('unavailable');
    expect(classifyPgError(Object.assign(new Error('too many clients'), { code: '53300' }))).toBe('unavailable');
    expect(classifyPgError(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe('conflict');
    expect(classifyPgError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe('timeout');
    expect(classifyPgError(Object.assign(new Error('null value in column'), { code: '23502' }))).toBe('rejected');
    expect(classifyPgError(undefined)).toBe('rejected');
  });
});
