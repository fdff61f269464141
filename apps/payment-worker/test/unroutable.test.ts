import { rabbitmqManagement, waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, chargeRequests, metricValue, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

// Needs the shared ConfirmPublisher to publish `mandatory` and fail a returned message
// (MESSAGING_ERR_UNROUTABLE): without that, the broker confirms the unroutable retry copy,
// the worker acks the original, and the order is lost with no copy anywhere.
describe('payment worker: a retry copy that comes back unroutable is a failed publish', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_FAILURE_RATE: '1' });
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '10000',
      MAX_RETRIES: '1',
      RETRY_INITIAL_DELAY_MS: '200',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('acks nothing and loses nothing: the delivery comes back, the topology is declared again, and the order goes on to its dead letter', async () => {
    // The first retry has nowhere to go: retry copies go to their delay queue by name through
    // the default exchange, and payments.retry.1 is gone (until the topology is declared again).
    const v = encodeURIComponent(vhost.name);
    await rabbitmqManagement('DELETE', `/queues/${v}/payments.retry.1`);
    const orders = makeOrders(1);
    const orderId = orders[0]!.orderId;
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    // Nothing is lost: the order still reaches its end (a dead letter, the provider always fails).
    await waitFor(async () => (await vhost.messages('payments.dlq')) === 1, { timeoutMs: 60_000, what: 'the order dead-lettered after its retry' });
    expect(worker.output()).toMatch(/MESSAGING_ERR_UNROUTABLE/);
    // The returned copy was not counted as scheduled: only the one that reached payments.retry.1.
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="retry_scheduled"')).toBe(1);
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="dead_lettered"')).toBe(1);
    // Attempt 1 (copy returned, not acked), attempt 1 again after redelivery, then the retry.
    expect((await chargeRequests(provider.url, orderId)).total).toBe(3);
    const { rows } = await db.pool.query<{ status: string; attempts: number }>(`select status, attempts from payments where order_id = $1`, [orderId]);
    expect(rows).toEqual([{ status: 'failed', attempts: 2 }]);
  });
});
