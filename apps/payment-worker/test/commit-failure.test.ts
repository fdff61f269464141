import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, metricValue, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders } from './support/orders.ts';
import { createDatabase, createVhost, type TestDatabase, type TestVhost } from './support/stack.ts';

const outcome = (worker: RunningApp, name: string): Promise<number> =>
  metricValue(worker.url, 'payments_messages_processed_total', `outcome="${name}"`).then((v) => v ?? 0);

describe('payment worker: a commit that fails after the retry copy was published', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    // The first write to payments in this database fails (a sequence is not rolled back, so
    // the second attempt goes through): the transaction fails after the copy was confirmed.
    await db.pool.query(`
      create sequence payments_write_attempts;
      create function fail_first_payments_write() returns trigger language plpgsql as $$
      begin
        if nextval('payments_write_attempts') = 1 then raise exception 'injected: the first payments write fails'; end if;
        return new;
      end $$;
      create trigger fail_first_payments_write before insert or update on payments
        for each row execute function fail_first_payments_write();
    `);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_FAILURE_RATE: '1' });
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '10000',
      MAX_RETRIES: '2',
      RETRY_INITIAL_DELAY_MS: '200',
      RETRY_BACKOFF_FACTOR: '2',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await provider?.stop();
    await vhost?.drop();
    await db?.drop();
  });

  it('leaves one live copy: the stale one is dropped uncharged, and the order dead-letters once', async () => {
    const orders = makeOrders(1);
    const order = orders[0]!;
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    // Two physical copies exist after the failed commit: the retry copy published before it,
    // and the redelivered original. Wait until both have reached an end.
    await waitFor(async () => (await outcome(worker, 'dead_lettered')) + (await outcome(worker, 'superseded')) >= 2, {
      timeoutMs: 60_000,
      what: 'both copies of the order settled (dead-lettered or dropped as superseded)',
    });
    const attempts = await db.pool.query<{ n: string }>(`select last_value as n from payments_write_attempts`);
    expect(Number(attempts.rows[0]?.n)).toBeGreaterThanOrEqual(2);

    expect(await outcome(worker, 'dead_lettered')).toBe(1);
    expect(await outcome(worker, 'superseded')).toBe(1);
    await waitFor(async () => (await vhost.messages('payments.dlq')) === 1, { timeoutMs: 30_000, what: 'one dead letter' });
    const [dead] = await vhost.peek('payments.dlq', 10);
    const { rows } = await db.pool.query<{ status: string; live_copy: string }>(`select status, live_copy from payments where order_id = $1`, [order.orderId]);
    expect(rows).toEqual([{ status: 'failed', live_copy: dead?.properties.headers?.['x-orderflow-copy-id'] }]);
  });
});
