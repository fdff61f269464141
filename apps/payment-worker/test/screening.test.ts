import { randomUUID } from 'node:crypto';
import { waitFor } from '@orderflow/testkit';
import type { OrderCreatedEvent } from '@orderflow/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, chargeRequests, ledger, metricValue, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

/** An order with these items (total computed as intake does). */
function orderWith(items: OrderCreatedEvent['order']['items']): OrderCreatedEvent {
  const [base] = makeOrders(1);
  return { ...base!, eventId: randomUUID(), order: { ...base!.order, items, totalMinor: items.reduce((sum, i) => sum + i.quantity * i.unitPriceMinor, 0) } };
}

async function orderStatus(db: TestDatabase, orderId: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ status: string }>(`select status from orders where id = $1`, [orderId]);
  return rows[0]?.status;
}

describe('payment worker: every delivery is screened before a charge (fresh duplicates, free orders)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    // Some latency, so two copies of an order are in the worker at the same time.
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_LATENCY_MS: '50' });
    worker = await startApp('payment-worker', { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: provider.url, PREFETCH: '100', CONCURRENCY: '16', BATCH_SIZE: '50' });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('charges an order published twice, fresh (not redelivered), with one provider request; a later fresh copy is a duplicate too', async () => {
    const orders = makeOrders(40);
    await insertOrders(db.pool, orders);
    // Each event twice, as a relay that crashed before marking its rows sent would publish them.
    await publishOrders(vhost.url, [...orders, ...orders]);

    const settled = async (): Promise<number> =>
      ((await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="paid"')) ?? 0) +
      ((await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="duplicate"')) ?? 0);
    await waitFor(async () => (await settled()) === 80, { timeoutMs: 60_000, what: 'all 80 deliveries settled' });

    const received = await chargeRequests(provider.url);
    const repeated = Object.entries(received.byKey).filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);
    expect(received.total).toBe(40);
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="duplicate"')).toBe(40);
    // Looked up in batches: far fewer queries than deliveries (each screened at least once).
    const lookups = (await metricValue(worker.url, 'payments_lookup_batch_size_count')) ?? 0;
    expect(await metricValue(worker.url, 'payments_lookup_batch_size_sum')).toBeGreaterThanOrEqual(80);
    expect(lookups).toBeGreaterThan(0);
    expect(lookups).toBeLessThan(40);

    // Once more, long after the order was paid: still not asked for again.
    const first = orders[0]!;
    await publishOrders(vhost.url, [first]);
    await waitFor(async () => (await settled()) === 81, { timeoutMs: 30_000, what: 'the late copy settled' });
    expect((await chargeRequests(provider.url, first.orderId)).total).toBe(1);
    expect((await ledger(provider.url)).charges).toBe(40);
  });

  it('pays a free order without asking the provider, recorded as a free payment; a mixed order is charged normally', async () => {
    const free = orderWith([{ sku: 'GIFT-1', quantity: 2, unitPriceMinor: 0 }]);
    const mixed = orderWith([
      { sku: 'GIFT-1', quantity: 1, unitPriceMinor: 0 },
      { sku: 'A-1', quantity: 2, unitPriceMinor: 750 },
    ]);
    await insertOrders(db.pool, [free, mixed]);
    await publishOrders(vhost.url, [free, mixed]);

    await waitFor(async () => (await orderStatus(db, free.orderId)) === 'paid' && (await orderStatus(db, mixed.orderId)) === 'paid', {
      timeoutMs: 30_000,
      what: 'the free and the mixed order paid',
    });
    expect((await chargeRequests(provider.url, free.orderId)).total).toBe(0);
    expect((await chargeRequests(provider.url, mixed.orderId)).total).toBe(1);
    const charged = (await ledger(provider.url)).entries.find((e) => e.idempotencyKey === mixed.orderId);
    expect(charged?.amountMinor).toBe(1500);

    const { rows } = await db.pool.query<{ order_id: string; status: string; amount_minor: string; provider_ref: string }>(
      `select order_id, status, amount_minor, provider_ref from payments where order_id = any($1::uuid[])`,
      [[free.orderId, mixed.orderId]],
    );
    const byOrder = new Map(rows.map((r) => [r.order_id, r]));
    expect(byOrder.get(free.orderId)).toMatchObject({ status: 'paid', amount_minor: '0', provider_ref: 'free' });
    expect(byOrder.get(mixed.orderId)).toMatchObject({ status: 'paid', amount_minor: '1500' });
    expect(byOrder.get(mixed.orderId)?.provider_ref).toMatch(/^ch_/);
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="free"')).toBe(1);
    expect(await vhost.peek('payments.dlq', 10)).toEqual([]);
  });
});
