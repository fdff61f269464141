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

/** Told about order status changes the emitter refused (for example out of a final status). */
export type RefusedChangeHandler = (refused: { orderId: string; outcome: string; from?: string; to: string }[]) => void;

/** Records the order side of payment transitions in the caller's transaction. */
export function statusRecorder(onRefused: RefusedChangeHandler): (client: PoolClient, transitions: readonly PaymentTransition[]) => Promise<void> {
  return async (client, transitions) => {
    const results = await recordStatusChanges(client, toStatusChanges(transitions));
    const refused = results.filter((r) => r.outcome === 'invalid' || r.outcome === 'not_found');
    if (refused.length > 0) onRefused(refused);
  };
}
