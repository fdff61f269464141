import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ledger, metricValue, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders, statusCounts } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

describe('payment worker: orders are charged once and paid; poison goes to the DLQ with a reason', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN });
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      ADMIN_TOKEN,
      PREFETCH: '50',
      CONCURRENCY: '16',
      BATCH_SIZE: '25',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('charges every order exactly once and records paid through the status emitter', async () => {
    const orders = makeOrders(300);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    await waitFor(async () => (await statusCounts(db.pool)).paid === 300, { timeoutMs: 60_000, what: '300 orders paid' });

    const book = await ledger(provider.url);
    expect(book.charges).toBe(300);
    expect(new Set(book.entries.map((e) => e.idempotencyKey))).toEqual(new Set(orders.map((o) => o.orderId)));
    const amounts = new Map(orders.map((o) => [o.orderId, o.order.totalMinor]));
    for (const entry of book.entries) expect(entry.amountMinor).toBe(amounts.get(entry.idempotencyKey));

    const payments = await db.pool.query<{ status: string; n: string; refs: string }>(
      `select status, count(*) as n, count(distinct provider_ref) as refs from payments group by status`,
    );
    expect(payments.rows).toEqual([{ status: 'paid', n: '300', refs: '300' }]);
    const history = await db.pool.query<{ n: string }>(`select count(*) as n from order_status_history where status = 'paid'`);
    expect(history.rows[0]?.n).toBe('300');
    const outbox = await db.pool.query<{ n: string }>(`select count(*) as n from outbox where event_type = 'order.status_changed'`);
    expect(outbox.rows[0]?.n).toBe('300');

    await waitFor(async () => (await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="paid"')) === 300, {
      what: 'paid outcome metric',
    });
    expect(await metricValue(worker.url, 'payments_provider_breaker_state')).toBe(0);
  });

  it('sends unparseable and schema-violating messages straight to the DLQ with the reason, charging nothing', async () => {
    const before = (await ledger(provider.url)).requests;
    const [valid] = makeOrders(1);
    const missingTotal = { ...valid!, order: { ...valid!.order, totalMinor: undefined } };
    await publishOrders(vhost.url, [Buffer.from('{not json'), Buffer.from(JSON.stringify(missingTotal))]);

    await waitFor(async () => (await vhost.messages('payments.dlq')) === 2, { timeoutMs: 30_000, what: 'two dead letters' });
    const dead = await vhost.peek('payments.dlq', 10);
    const reasons = dead.map((m) => String(m.properties.headers?.['x-orderflow-reason']));
    expect(reasons.some((r) => r.includes('not JSON'))).toBe(true);
    expect(reasons.some((r) => r.includes('/order/totalMinor'))).toBe(true);
    for (const m of dead) expect(m.properties.headers?.['x-orderflow-error-code']).toBe('PAYMENTS_ERR_POISON_MESSAGE');
    expect((await ledger(provider.url)).requests).toBe(before);
    await waitFor(async () => (await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="poison"')) === 2, {
      what: 'poison outcome metric',
    });
  });

  it('drains on SIGTERM and exits 0', async () => {
    expect(await worker.stop()).toBe(0);
  });
});
