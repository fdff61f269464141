import { describe, expect, it } from 'vitest';
import { classifyTransition } from './transitions.ts';

describe('classifyTransition', () => {
  it('allows forward moves and replays out of payment_failed, treats repeats as no-ops, refuses leaving paid', () => {
    expect(classifyTransition('accepted', 'paid')).toBe('changed');
    expect(classifyTransition('accepted', 'payment_pending')).toBe('changed');
    expect(classifyTransition('payment_pending', 'payment_failed')).toBe('changed');
    expect(classifyTransition('payment_pending', 'payment_pending')).toBe('unchanged');
    expect(classifyTransition('paid', 'paid')).toBe('unchanged');
    expect(classifyTransition('paid', 'payment_failed')).toBe('invalid');
    expect(classifyTransition('payment_failed', 'accepted')).toBe('invalid');
    // A replayed dead letter is the one way out of payment_failed.
    expect(classifyTransition('payment_failed', 'paid')).toBe('changed');
    expect(classifyTransition('payment_failed', 'payment_pending')).toBe('changed');
    expect(classifyTransition('paid', 'payment_pending')).toBe('invalid');
    expect(classifyTransition('payment_pending', 'accepted')).toBe('invalid');
  });
});
