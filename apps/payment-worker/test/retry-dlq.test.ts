import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ledger, metricValue, setFaults, startApp, type RunningApp } from './support/apps.ts';
import { insertOrders, makeOrders, publishOrders, statusCounts } from './support/orders.ts';
import { createDatabase, createVhost, queueDepths, type TestDatabase, type TestVhost } from './support/stack.ts';

/** Queues that receive an order.created through the `orders` exchange's bindings, besides payments. */
const FAN_OUT = ['orders.region.eu', 'orders.priority.high', 'inventory.billing', 'inventory.notifications'];

const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const CLI = fileURLToPath(new URL('../src/replay-dlq-cli.ts', import.meta.url));

interface XDeath {
  queue: string;
  reason: string;
  count: number;
}

describe('payment worker: failed payments retry through delay queues, then dead-letter; the DLQ replays', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let provider: RunningApp;
  let worker: RunningApp;
  const orders = makeOrders(5);

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createDatabase(), createVhost()]);
    provider = await startApp('payment-provider', { PROVIDER_ADMIN_TOKEN: ADMIN_TOKEN, PROVIDER_FAILURE_RATE: '1' });
    worker = await startApp('payment-worker', {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      PROVIDER_URL: provider.url,
      ADMIN_TOKEN,
      PROVIDER_RETRIES: '0',
      BREAKER_THRESHOLD: '10000',
      MAX_RETRIES: '3',
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

  it('retries 3 times with growing delays, then dead-letters with the reason (seen through the management API)', async () => {
    await insertOrders(db.pool, orders);
    await publishOrders(vhost.url, orders);

    await waitFor(async () => (await vhost.messages('payments.dlq')) === 5, { timeoutMs: 60_000, what: '5 dead letters' });
    const dead = await vhost.peek('payments.dlq', 10);
    expect(dead).toHaveLength(5);
    for (const message of dead) {
      const headers = message.properties.headers ?? {};
      const deaths = (headers['x-death'] as XDeath[]).filter((d) => d.queue.startsWith('payments.retry.'));
      expect(deaths.map((d) => [d.queue, d.reason, d.count]).sort()).toEqual([
        ['payments.retry.1', 'expired', 1],
        ['payments.retry.2', 'expired', 1],
        ['payments.retry.3', 'expired', 1],
      ]);
      expect(headers['x-orderflow-error-code']).toBe('PAYMENTS_ERR_RETRIES_EXHAUSTED');
      expect(String(headers['x-orderflow-reason'])).toMatch(/after 4 attempts: payment provider unavailable: 503 PROVIDER_ERR_UNAVAILABLE/);
    }
    expect(new Set(dead.map((m) => m.properties.message_id))).toEqual(new Set(orders.map((o) => o.eventId)));

    // First attempt plus 3 retries reached the provider; nothing was charged.
    const book = await ledger(provider.url);
    expect(book.charges).toBe(0);
    await waitFor(async () => (await statusCounts(db.pool)).payment_failed === 5, { what: 'orders payment_failed' });
    const payments = await db.pool.query<{ status: string; attempts: number; last_error: string }>(`select status, attempts, last_error from payments`);
    for (const p of payments.rows) {
      expect(p).toMatchObject({ status: 'failed', attempts: 4 });
      expect(p.last_error).toMatch(/^PAYMENTS_ERR_RETRIES_EXHAUSTED/);
    }
    const pendingFirst = await db.pool.query<{ n: string }>(`select count(*) as n from order_status_history where status = 'payment_pending'`);
    expect(pendingFirst.rows[0]?.n).toBe('5');
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="retry_scheduled"')).toBe(15);
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="dead_lettered"')).toBe(5);
  });

  it('replays dead letters (dry run first, then the endpoint and the CLI) with attempts reset, back to payments only', async () => {
    await setFaults(provider.url, { failureRate: 0 });
    // The first publish reached every bound queue once; a replay must not add to them.
    const fannedOut = await queueDepths(vhost.url, FAN_OUT);
    expect(fannedOut).toEqual({ 'orders.region.eu': 5, 'orders.priority.high': 0, 'inventory.billing': 5, 'inventory.notifications': 5 });
    const replay = (body: object, token = ADMIN_TOKEN) =>
      fetch(`${worker.url}/admin/replay-dlq`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const denied = await replay({ limit: 1 }, 'wrong-token-wrong-token-wrong!!');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'PAYMENTS_ERR_ADMIN_FORBIDDEN' });

    const dry = (await (await replay({ limit: 10, dryRun: true })).json()) as { count: number; dryRun: boolean; messages: { code: string }[] };
    expect(dry).toMatchObject({ count: 5, dryRun: true });
    expect(dry.messages.every((m) => m.code === 'PAYMENTS_ERR_RETRIES_EXHAUSTED')).toBe(true);
    expect((await vhost.peek('payments.dlq', 10)).length).toBe(5);

    const moved = (await (await replay({ limit: 2 })).json()) as { count: number; messages: { queue: string }[]; skipped: unknown[] };
    // Confirmed before the answer: a copy sent through `orders` would already be in these queues.
    expect(await queueDepths(vhost.url, FAN_OUT)).toEqual(fannedOut);
    expect(moved).toMatchObject({ count: 2, skipped: [] });
    expect(moved.messages.map((m) => m.queue)).toEqual(['payments', 'payments']);

    const { stdout } = await promisify(execFile)(NODE, [CLI, '--limit', '10'], { env: { PATH: process.env.PATH ?? '', RABBITMQ_URL: vhost.url } });
    expect((JSON.parse(stdout) as { count: number }).count).toBe(3);

    await waitFor(async () => (await db.pool.query(`select 1 from payments where status = 'paid'`)).rowCount === 5, {
      timeoutMs: 30_000,
      what: 'replayed payments paid',
    });
    const book = await ledger(provider.url);
    expect(book.charges).toBe(5);
    // Injected failures never reach the ledger; the replayed attempt charged each order once.
    expect(book.entries.map((e) => e.requests)).toEqual([1, 1, 1, 1, 1]);
    expect(await vhost.peek('payments.dlq', 10)).toEqual([]);
    // The replays went to payments (and were paid) and nowhere else.
    expect(await queueDepths(vhost.url, FAN_OUT)).toEqual(fannedOut);
    expect(await metricValue(worker.url, 'payments_messages_processed_total', 'outcome="superseded"')).toBeUndefined();
  });
});
