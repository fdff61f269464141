import { describe, expect, it } from 'vitest';
import { mergeConditions, sameConditions } from './conditions.ts';

describe('conditions', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T00:05:00Z');

  it('keeps lastTransitionTime while the status holds and moves it when the status changes', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Reconciling', message: 'a' }], 1, t0);
    const same = mergeConditions(first, [{ type: 'Ready', status: 'False', reason: 'BrokerUnreachable', message: 'b' }], 2, t1);
    expect(same[0]).toEqual({ type: 'Ready', status: 'False', reason: 'BrokerUnreachable', message: 'b', lastTransitionTime: t0.toISOString(), observedGeneration: 2 });
    const flipped = mergeConditions(same, [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: '' }], 2, t1);
    expect(flipped[0]!.lastTransitionTime).toBe(t1.toISOString());
  });

  it('compares without timestamps', () => {
    const a = mergeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: '' }], 1, t0);
    const b = mergeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: '' }], 1, t1);
    expect(sameConditions(a, b)).toBe(true);
    expect(sameConditions(a, mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'x', message: '' }], 1, t0))).toBe(false);
  });
});
