import { describe, expect, it } from 'vitest';
import { sourceQueueOf } from './replay-source.ts';

describe('sourceQueueOf', () => {
  it('takes the queue the worker named when it dead-lettered', () => {
    const headers = {
      'x-orderflow-source-queue': 'payments',
      'x-death': [{ queue: 'payments.retry.3', reason: 'expired', count: 1 }],
      'x-first-death-queue': 'payments.retry.1',
    };
    expect(sourceQueueOf(headers)).toBe('payments');
  });

  it('falls back to the newest x-death entry of a message the broker dead-lettered, then x-first-death-queue', () => {
    expect(sourceQueueOf({ 'x-death': [{ queue: 'payments', reason: 'rejected', count: 1 }] })).toBe('payments');
    expect(sourceQueueOf({ 'x-first-death-queue': 'payments' })).toBe('payments');
  });

  it('sends what came through a delay or parking queue back to payments', () => {
    expect(sourceQueueOf({ 'x-death': [{ queue: 'payments.retry.2', reason: 'expired', count: 1 }] })).toBe('payments');
    expect(sourceQueueOf({ 'x-first-death-queue': 'payments.parked' })).toBe('payments');
  });

  it('knows nothing for a message without any of these headers', () => {
    expect(sourceQueueOf(undefined)).toBeUndefined();
    expect(sourceQueueOf({ 'x-death': [], 'x-orderflow-source-queue': '' })).toBeUndefined();
  });
});
