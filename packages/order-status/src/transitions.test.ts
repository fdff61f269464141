import { describe, expect, it } from 'vitest';
import { classifyTransition } from './transitions.ts';

describe('classifyTransition', () => {
  it('allows forward moves, treats repeats as no-ops and refuses leaving a final status', () => {
    expect(classifyTransition('accepted', 'paid')).toBe('changed');
    expect(classifyTransition('accepted', 'payment_pending')).toBe('changed');
    expect(classifyTransition('payment_pending', 'payment_failed')).toBe('changed');
    expect(classifyTransition('payment_pending', 'payment_pending')).toBe('unchanged');
    expect(classifyTransition('paid', 'paid')).toBe('unchanged');
    expect(classifyTransition('paid', 'payment_failed')).toBe('invalid');
    expect(classifyTransition('payment_failed', 'accepted')).toBe('invalid');
    expect(classifyTransition('payment_pending', 'accepted')).toBe('invalid');
  });
});
