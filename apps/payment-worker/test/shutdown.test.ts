import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ledger, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders, statusCounts } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

describe('payment worker: SIGTERM drains the work in hand', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  const orders = makeOrders(400);

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    // Slow charges, so that plenty are in flight when the signal arrives.
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_LATENCY_MS: '40' });
  });

  afterAll(async () => {
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('finishes, commits and acks every charge it started, then exits 0; the rest stays queued', async () => {
    const env = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, PROVIDER_URL: provider.url, PREFETCH: '100', CONCURRENCY: '50', BATCH_SIZE: '50' };
    const worker = await startApp('payment-worker', env);
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);
    await waitFor(async () => ((await statusCounts(db.pool)).paid ?? 0) > 0, { timeoutMs: 30_000, what: 'the first payments' });

    expect(await worker.stop()).toBe(0);

    // Every charge the provider made belongs to an order the worker recorded as paid before
    // exiting: nothing was left charged-but-unrecorded for a redelivery to clean up.
    const paid = (await statusCounts(db.pool)).paid ?? 0;
    const book = await ledger(provider.url);
    expect(book.charges).toBe(paid);
    expect(book.requests).toBe(book.charges);
    expect(paid).toBeLessThan(orders.length);

    // What it had not started is still queued, and a new worker finishes it.
    const next = await startApp('payment-worker', env);
    try {
      await waitFor(async () => (await statusCounts(db.pool)).paid === orders.length, { timeoutMs: 60_000, what: 'the rest paid by the next worker' });
    } finally {
      await next.stop();
    }
    const after = await ledger(provider.url);
    expect(after.charges).toBe(orders.length);
    expect(after.requests).toBe(orders.length);
  });
});
