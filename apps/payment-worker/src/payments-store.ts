import type { PoolClient } from 'pg';

/** The worker's own record of a payment (`payments`, see migrations/). */
export type PaymentStatus = 'pending' | 'paid' | 'failed';

/** One row to write. */
export interface PaymentWrite {
  orderId: string;
  status: PaymentStatus;
  providerRef: string | undefined;
  amountMinor: number;
  currency: string;
  lastError: string | undefined;
}

/** A row whose status changed in this write (so the order's status changes too). */
export interface PaymentTransition {
  orderId: string;
  from: PaymentStatus | undefined;
  to: PaymentStatus;
  lastError: string | undefined;
}

const RANK: Record<PaymentStatus, number> = { pending: 0, failed: 1, paid: 2 };

/** One write per order, the most final one winning (two deliveries of an order in one batch). */
export function collapse(writes: readonly PaymentWrite[]): PaymentWrite[] {
  const byOrder = new Map<string, PaymentWrite>();
  for (const w of writes) {
    const seen = byOrder.get(w.orderId);
    if (seen === undefined || RANK[w.status] >= RANK[seen.status]) byOrder.set(w.orderId, w);
  }
  // Sorted, so concurrent workers lock rows in the same order and cannot deadlock.
  return [...byOrder.values()].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
}

/**
 * Upserts many payments in one statement. A `paid` row is final and never overwritten, so a
 * late retry or a redelivery cannot undo it. Returns only rows whose status changed.
 */
export async function writePayments(client: PoolClient, writes: readonly PaymentWrite[]): Promise<PaymentTransition[]> {
  const rows = collapse(writes);
  if (rows.length === 0) return [];
  const result = await client.query<{ order_id: string; status: PaymentStatus; previous: PaymentStatus | null; last_error: string | null }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
         AS t(order_id, status, provider_ref, amount_minor, currency, last_error)
     ),
     prev AS (SELECT p.order_id, p.status FROM payments p JOIN input USING (order_id)),
     up AS (
       INSERT INTO payments AS p (order_id, status, attempts, provider_ref, amount_minor, currency, last_error)
       SELECT order_id, status, 1, provider_ref, amount_minor, currency, last_error FROM input
       ON CONFLICT (order_id) DO UPDATE SET
         status = excluded.status,
         attempts = p.attempts + 1,
         provider_ref = coalesce(excluded.provider_ref, p.provider_ref),
         last_error = excluded.last_error,
         updated_at = now()
       WHERE p.status <> 'paid'
       RETURNING p.order_id, p.status, p.last_error
     )
     SELECT up.order_id, up.status, prev.status AS previous, up.last_error
     FROM up LEFT JOIN prev USING (order_id)`,
    [
      rows.map((r) => r.orderId),
      rows.map((r) => r.status),
      rows.map((r) => r.providerRef ?? null),
      rows.map((r) => r.amountMinor),
      rows.map((r) => r.currency),
      rows.map((r) => r.lastError ?? null),
    ],
  );
  return result.rows
    .filter((r) => r.previous !== r.status)
    .map((r) => ({ orderId: r.order_id, from: r.previous ?? undefined, to: r.status, lastError: r.last_error ?? undefined }));
}

/** Order ids among `orderIds` already paid (checked before charging a redelivered message). */
export async function paidAmong(client: Pick<PoolClient, 'query'>, orderIds: readonly string[]): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const result = await client.query<{ order_id: string }>(`SELECT order_id FROM payments WHERE order_id = ANY($1::uuid[]) AND status = 'paid'`, [orderIds]);
  return new Set(result.rows.map((r) => r.order_id));
}
