import type { OrderStatus } from '@orderflow/messaging';

/**
 * Allowed moves. `paid` and `payment_failed` are final; `payment_pending` may repeat through
 * retries but is recorded once.
 */
const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  accepted: ['payment_pending', 'paid', 'payment_failed'],
  payment_pending: ['paid', 'payment_failed'],
  paid: [],
  payment_failed: [],
};

/** What recording one change would do, given the order's current status. */
export type TransitionOutcome = 'changed' | 'unchanged' | 'invalid';

/** `unchanged` for a repeat (a redelivered message), `invalid` for a move out of a final status. */
export function classifyTransition(from: OrderStatus, to: OrderStatus): TransitionOutcome {
  if (from === to) return 'unchanged';
  return ALLOWED[from].includes(to) ? 'changed' : 'invalid';
}
