import type { OrderStatus } from '@orderflow/messaging';

/**
 * Allowed moves. `paid` is final. `payment_failed` is final except for a replay of its dead
 * letter (payment-worker `replay-dlq`), which may move it to `payment_pending` or `paid`.
 * A repeat of the current status is recorded once.
 */
const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  accepted: ['payment_pending', 'paid', 'payment_failed'],
  payment_pending: ['paid', 'payment_failed'],
  paid: [],
  payment_failed: ['payment_pending', 'paid'],
};

/** What recording one change would do, given the order's current status. */
export type TransitionOutcome = 'changed' | 'unchanged' | 'invalid';

/** `unchanged` for a repeat (a redelivered message), `invalid` for a move out of a final status. */
export function classifyTransition(from: OrderStatus, to: OrderStatus): TransitionOutcome {
  if (from === to) return 'unchanged';
  return ALLOWED[from].includes(to) ? 'changed' : 'invalid';
}
