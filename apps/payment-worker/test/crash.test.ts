import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ledger, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders, statusCounts } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

describe('payment worker: killed in the middle of a batch', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let workerEnv: Record<string, string>;
  let second: RunningApp | undefined;
  const orders = makeOrders(3000);

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    // A few ms per charge keeps dozens of charges in flight at any moment.
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_LATENCY_MS: '5' });
    workerEnv = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: provider.url, PREFETCH: '200', CONCURRENCY: '64', BATCH_SIZE: '100' };
  });

  afterAll(async () => {
    await second?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('loses nothing and charges nothing twice (by the provider ledger)', async () => {
    const first = await startApp('payment-worker', workerEnv);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    // Kill while charges are made but not yet committed as paid: that is the window in which
    // a crash could lose a payment or, on redelivery, charge twice.
    await waitFor(
      async () => {
        const paid = (await statusCounts(db.pool)).paid ?? 0;
        return paid >= 300 && (await ledger(provider.url)).charges > paid;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: 'the first worker to be mid-batch (charged, not yet committed)' },
    );
    await first.kill();
    const paidAtKill = (await statusCounts(db.pool)).paid ?? 0;
    expect(paidAtKill).toBeLessThan(orders.length);

    second = await startApp('payment-worker', workerEnv);
    await waitFor(async () => (await statusCounts(db.pool)).paid === orders.length, { timeoutMs: 120_000, what: 'every order paid' });

    const book = await ledger(provider.url);
    expect(book.charges).toBe(orders.length);
    expect(new Set(book.entries.map((e) => e.idempotencyKey)).size).toBe(orders.length);
    expect(new Set(book.entries.map((e) => e.chargeId)).size).toBe(orders.length);
    // Charges made by the killed worker but not yet committed were asked for again after
    // redelivery, and the provider answered with the existing charge instead of a new one.
    expect(book.requests).toBeGreaterThan(book.charges);

    const payments = await db.pool.query<{ n: string; refs: string }>(`select count(*) as n, count(distinct provider_ref) as refs from payments where status = 'paid'`);
    expect(payments.rows[0]).toEqual({ n: String(orders.length), refs: String(orders.length) });
    const twice = await db.pool.query(`select order_id from order_status_history where status = 'paid' group by order_id having count(*) > 1`);
    expect(twice.rowCount).toBe(0);
    expect(await vhost.peek('payments.dlq', 1)).toEqual([]);
  });
});
