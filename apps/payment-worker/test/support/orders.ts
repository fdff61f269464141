import { randomUUID } from 'node:crypto';
import { AmqpConnection, ConfirmPublisher, EVENT_TYPES, EXCHANGES, HEADERS, type OrderCreatedEvent } from '@orderflow/messaging';
import type { Pool } from '@orderflow/pg';

/**
 * Orders as order-api leaves them: a row in `accepted`, and the `order.created` event the
 * outbox relay publishes (published here directly, with confirms, to test the worker alone).
 */
export function makeOrders(count: number): OrderCreatedEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const price = 1000 + (i % 97);
    return {
      eventId: randomUUID(),
      type: 'order.created',
      occurredAt: new Date().toISOString(),
      orderId: id,
      order: { id, customerId: `c-${i % 50}`, region: 'eu', priority: 'normal', currency: 'EUR', totalMinor: price * 2, items: [{ sku: 'A-1', quantity: 2, unitPriceMinor: price }] },
    };
  });
}

export async function insertOrders(pool: Pool, events: readonly OrderCreatedEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events.slice(i, i + 1000);
    await pool.query(
      `insert into orders (id, idempotency_key, customer_id, region, priority, currency, total_minor, items, status)
       select id, id::text, customer_id, 'eu', 'normal', currency, total_minor, items, 'accepted'
       from unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[]) as t(id, customer_id, currency, total_minor, items)`,
      [
        chunk.map((e) => e.order.id),
        chunk.map((e) => e.order.customerId),
        chunk.map((e) => e.order.currency),
        chunk.map((e) => e.order.totalMinor),
        chunk.map((e) => JSON.stringify(e.order.items)),
      ],
    );
  }
}

/** Publishes events (or raw bodies) to the `orders` exchange as `order.created`, with confirms. */
export async function publishOrders(rabbitUrl: string, bodies: readonly (OrderCreatedEvent | Buffer)[]): Promise<void> {
  const connection = await AmqpConnection.open(rabbitUrl, { name: 'payment-worker-test' });
  const publisher = new ConfirmPublisher(connection);
  try {
    await publisher.publishBatch(
      bodies.map((body) => ({
        exchange: EXCHANGES.orders,
        routingKey: EVENT_TYPES.orderCreated,
        body,
        messageId: Buffer.isBuffer(body) ? randomUUID() : body.eventId,
        type: EVENT_TYPES.orderCreated,
        headers: Buffer.isBuffer(body) ? {} : { [HEADERS.orderId]: body.orderId, [HEADERS.region]: body.order.region },
      })),
    );
  } finally {
    await publisher.close();
    await connection.close();
  }
}

/** Count of orders per status. */
export async function statusCounts(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(`select status, count(*) as n from orders group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
