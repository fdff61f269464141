import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackSetting } from '@orderflow/testkit';
import { ADMIN_TOKEN, chargeRequests, ledger, metricValue, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders, statusCounts } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';
import { ClientHoldingProxy } from './support/tcp-proxy.ts';

async function ledgerSummary(providerUrl: string): Promise<{ charges: number }> {
  return (await (await fetch(`${providerUrl}/ledger/summary`)).json()) as { charges: number };
}

describe('payment worker: killed in the middle of a batch', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let workerEnv: Record<string, string>;
  let second: RunningApp | undefined;
  let proxy: ClientHoldingProxy | undefined;
  const orders = makeOrders(3000);

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    // 100 ms per charge keeps dozens of charges in flight at any moment, and the first worker
    // far from done (about 640 charges a second) when the test acts, however loaded the box.
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_LATENCY_MS: '100' });
    workerEnv = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: provider.url, PREFETCH: '200', CONCURRENCY: '64', BATCH_SIZE: '100' };
  });

  afterAll(async () => {
    await second?.stop();
    await proxy?.close();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('loses nothing and asks the provider again only for charges it had not recorded (by the requests the provider received)', async () => {
    // The first worker reaches RabbitMQ through a proxy that can swallow its acks.
    const rabbit = new URL(stackSetting('RABBITMQ_URL'));
    proxy = new ClientHoldingProxy({ host: rabbit.hostname, port: Number(rabbit.port || 5672) });
    await proxy.open();
    const first = await startApp('payment-worker', { ...workerEnv, RABBITMQ_URL: vhost.urlVia(proxy.address) });
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);
    await waitFor(async () => ((await statusCounts(db.pool)).paid ?? 0) >= 300, { timeoutMs: 60_000, intervalMs: 20, what: 'the first 300 orders paid' });

    // From here its acks never arrive: what it commits now is paid but still unacknowledged,
    // and comes back to the next worker as a redelivery of an order already paid.
    proxy.holdClient();
    const paidAtHold = (await statusCounts(db.pool)).paid ?? 0;

    // Kill while charges are made but not yet committed as paid: that is the window in which
    // a crash could lose a payment or, on redelivery, charge twice.
    await waitFor(
      async () => {
        const paid = (await statusCounts(db.pool)).paid ?? 0;
        return paid >= paidAtHold + 20 && (await ledgerSummary(provider.url)).charges > paid;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: 'the first worker to have committed unacked payments and to be mid-batch (charged, not yet committed)' },
    );
    await first.kill();
    const paidAtKill = (await statusCounts(db.pool)).paid ?? 0;
    expect(paidAtKill).toBeLessThan(orders.length);
    // What the killed worker had committed: the second worker must never ask for these again.
    const recorded = await db.pool.query<{ order_id: string }>(`select order_id from payments where status = 'paid'`);
    const recordedAtKill = new Set(recorded.rows.map((r) => r.order_id));

    await proxy.close();
    second = await startApp('payment-worker', workerEnv);
    await waitFor(async () => (await statusCounts(db.pool)).paid === orders.length, { timeoutMs: 120_000, what: 'every order paid' });

    // Requests as the provider received them, one count per request (the ledger collapses
    // repeats of a key into one charge). Only charges made but not committed before the kill
    // may be asked for again, once; everything recorded as paid was asked for exactly once.
    const received = await chargeRequests(provider.url);
    const repeated = Object.entries(received.byKey).filter(([, n]) => n > 1);
    expect(repeated.filter(([key]) => recordedAtKill.has(key))).toEqual([]);
    expect(repeated.filter(([, n]) => n > 2)).toEqual([]);
    expect(Object.keys(received.byKey).sort()).toEqual(orders.map((o) => o.orderId).sort());
    expect(received.total).toBe(orders.length + repeated.length);
    expect(repeated.length).toBeLessThanOrEqual(orders.length - recordedAtKill.size);
    // The committed-but-unacked deliveries did come back, and were recognised as paid.
    expect(await metricValue(second.url, 'payments_messages_processed_total', 'outcome="duplicate"')).toBeGreaterThan(0);

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
