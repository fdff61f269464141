import { BREAKER_STATE } from '@orderflow/telemetry';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ledger, metricValue, setFaults, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders, statusCounts } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

describe('payment worker: the breaker opens under provider failures, parks messages, and closes after recovery', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;
  const orders = makeOrders(20);

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_FAILURE_RATE: '1' });
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '3',
      BREAKER_HALF_OPEN_MS: '1000',
      PARK_DELAY_MS: '300',
      // Long enough that a retried message meets the open breaker and is parked, not failed.
      RETRY_INITIAL_DELAY_MS: '300',
      RETRY_BACKOFF_FACTOR: '1',
      MAX_RETRIES: '10',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('opens, parks messages with the order pending, then closes and pays everything once', async () => {
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    await waitFor(async () => (await metricValue(worker.url, 'payments_provider_breaker_state')) === BREAKER_STATE.open, { timeoutMs: 30_000, what: 'breaker open (2)' });
    await waitFor(async () => ((await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="parked"')) ?? 0) > 0, {
      timeoutMs: 30_000,
      what: 'messages parked while the breaker is open',
    });
    await waitFor(async () => (await statusCounts(db.pool)).payment_pending === 20, { timeoutMs: 30_000, what: 'all orders payment_pending' });
    expect((await ledger(provider.url)).charges).toBe(0);

    await setFaults(provider.url, { failureRate: 0 });

    await waitFor(async () => (await statusCounts(db.pool)).paid === 20, { timeoutMs: 60_000, what: 'all orders paid after recovery' });
    expect(await metricValue(worker.url, 'payments_provider_breaker_state')).toBe(0);
    expect(await metricValue(worker.url, 'payments_provider_breaker_transitions_total', 'state="open"')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(worker.url, 'payments_provider_breaker_transitions_total', 'state="closed"')).toBeGreaterThanOrEqual(1);

    const book = await ledger(provider.url);
    expect(book.charges).toBe(20);
    expect(book.entries.every((e) => e.requests === 1)).toBe(true);
    expect(await vhost.peek('payments.dlq', 10)).toEqual([]);
    const failed = await db.pool.query(`select 1 from payments where status <> 'paid'`);
    expect(failed.rowCount).toBe(0);
  });
});
