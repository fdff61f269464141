import type { Pool } from 'pg';
import type { GeneratedOrder } from './dataset.ts';

/**
 * Writes the generated orders into PostgreSQL the way order-api keeps them (an orders row with
 * the current status, one row per item): the truth the indexed figures are compared with.
 */
export async function writeTruth(pool: Pool, orders: readonly GeneratedOrder[]): Promise<void> {
  await pool.query(`
    create table orders (id uuid primary key, customer_id text not null, region text not null, currency text not null,
      total_minor bigint not null, created_at timestamptz not null, status text not null, failure_reason text);
    create table order_items (order_id uuid not null references orders(id), sku text not null, quantity int not null, unit_price_minor bigint not null)`);
  await pool.query(
    `insert into orders select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::text[], $8::text[])`,
    [
      orders.map((o) => o.id),
      orders.map((o) => o.customerId),
      orders.map((o) => o.region),
      orders.map((o) => o.currency),
      orders.map((o) => o.totalMinor),
      orders.map((o) => o.createdAt.toISOString()),
      orders.map((o) => o.status),
      orders.map((o) => o.failureReason),
    ],
  );
  const items = orders.flatMap((o) => o.items.map((i) => ({ ...i, orderId: o.id })));
  await pool.query(`insert into order_items select * from unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[])`, [
    items.map((i) => i.orderId),
    items.map((i) => i.sku),
    items.map((i) => i.quantity),
    items.map((i) => i.unitPriceMinor),
  ]);
}
