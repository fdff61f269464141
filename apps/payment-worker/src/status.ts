import { recordStatusChanges, type StatusChange } from '@orderflow/order-status';
import type { PoolClient } from 'pg';
import type { PaymentStatus, PaymentTransition } from './payments-store.ts';

const ORDER_STATUS: Record<PaymentStatus, StatusChange['status']> = {
  pending: 'payment_pending',
  paid: 'paid',
  failed: 'payment_failed',
};

/** The order status changes that follow payment transitions, through the single emitter. */
export function toStatusChanges(transitions: readonly PaymentTransition[]): StatusChange[] {
  return transitions.map((t) => ({
    orderId: t.orderId,
    status: ORDER_STATUS[t.to],
    ...(t.to === 'paid' || t.lastError === undefined ? {} : { reason: t.lastError }),
  }));
}

/** Records the order side of payment transitions in the caller's transaction. */
export async function recordPaymentTransitions(client: PoolClient, transitions: readonly PaymentTransition[]): Promise<void> {
  await recordStatusChanges(client, toStatusChanges(transitions));
}
