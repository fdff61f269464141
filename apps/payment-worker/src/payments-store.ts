import type { Pool, PoolClient } from 'pg';

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
  /** Copy id of the delivery that produced this write (none for a relay message). */
  expectedCopy: string | undefined;
  /** Copy id of the retry, park or dead-letter copy published for this order, which becomes the live one. */
  liveCopy: string | undefined;
}

/** What the worker knows about an order's payment before charging. */
export interface PaymentState {
  status: PaymentStatus;
  /** The one copy allowed to act for this order while it is unpaid. */
  liveCopy: string | undefined;
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
 * late retry or a redelivery cannot undo it. Any other write applies only if the delivery that
 * produced it is still the order's live copy (compare-and-set on `live_copy`): a copy that lost
 * the race cannot move the order back, and the copy it published is dropped when it arrives.
 * A charge that succeeded is recorded whatever copy made it. Returns only rows whose status changed.
 */
export async function writePayments(client: PoolClient, writes: readonly PaymentWrite[]): Promise<PaymentTransition[]> {
  const rows = collapse(writes);
  if (rows.length === 0) return [];
  const result = await client.query<{ order_id: string; status: PaymentStatus; previous: PaymentStatus | null; last_error: string | null }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::uuid[], $8::uuid[])
         AS t(order_id, status, provider_ref, amount_minor, currency, last_error, expected_copy, live_copy)
     ),
     prev AS (SELECT p.order_id, p.status, p.live_copy FROM payments p JOIN input USING (order_id)),
     still_live AS (
       SELECT input.* FROM input LEFT JOIN prev USING (order_id)
       WHERE prev.order_id IS NULL OR input.status = 'paid' OR prev.live_copy IS NOT DISTINCT FROM input.expected_copy
     ),
     up AS (
       INSERT INTO payments AS p (order_id, status, attempts, provider_ref, amount_minor, currency, last_error, live_copy)
       SELECT order_id, status, 1, provider_ref, amount_minor, currency, last_error, live_copy FROM still_live
       ON CONFLICT (order_id) DO UPDATE SET
         status = excluded.status,
         attempts = p.attempts + 1,
         provider_ref = coalesce(excluded.provider_ref, p.provider_ref),
         last_error = excluded.last_error,
         live_copy = excluded.live_copy,
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
      rows.map((r) => r.expectedCopy ?? null),
      rows.map((r) => r.liveCopy ?? null),
    ],
  );
  return result.rows
    .filter((r) => r.previous !== r.status)
    .map((r) => ({ orderId: r.order_id, from: r.previous ?? undefined, to: r.status, lastError: r.last_error ?? undefined }));
}

/** The payment rows of `orderIds` (one query for a whole batch of deliveries). */
export async function paymentStates(client: Pick<PoolClient, 'query'>, orderIds: readonly string[]): Promise<Map<string, PaymentState>> {
  if (orderIds.length === 0) return new Map();
  const result = await client.query<{ order_id: string; status: PaymentStatus; live_copy: string | null }>(
    `SELECT order_id, status, live_copy FROM payments WHERE order_id = ANY($1::uuid[])`,
    [orderIds],
  );
  return new Map(result.rows.map((r) => [r.order_id, { status: r.status, liveCopy: r.live_copy ?? undefined }]));
}

/**
 * Writes a batch of payments and the order status changes they cause in one transaction
 * (ROLLBACK on any failure; a connection that cannot even roll back is discarded).
 */
export async function writeInTransaction(
  pool: Pool,
  writes: readonly PaymentWrite[],
  recordTransitions: (client: PoolClient, transitions: readonly PaymentTransition[]) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const transitions = await writePayments(client, writes);
    if (transitions.length > 0) await recordTransitions(client, transitions);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken = rollbackErr as Error;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
