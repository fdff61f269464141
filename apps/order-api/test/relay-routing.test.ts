import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from 'amqplib';
import { type TestDatabase, type TestVhost, createTestDatabase, createTestVhost, waitFor } from '@orderflow/testkit';
import { AmqpConnection, QUEUES } from '@orderflow/messaging';
import { createPool, migrate, type Pool } from '@orderflow/pg';
import { OrderWriter } from '../src/intake/order-writer.ts';
import { newOrder } from '../src/intake/new-order.ts';
import { bodyOf, takeMessages } from './support/broker.ts';
import { MIGRATIONS_DIR, orderBody } from './support/harness.ts';
import { startRunningApi, type RunningApi } from './support/running-api.ts';

// Issue 8 item 1: a message no queue receives must never be marked sent. order-api is started
// by its production composition on an empty vhost with a backlog already in the outbox.
describe('relay routing: nothing is marked sent that no queue received', () => {
  const backlog = 1_000;
  let db: TestDatabase;
  let pool: Pool;
  let vhost: TestVhost;
  let api: RunningApi;
  let checker: AmqpConnection;
  let ch: Channel;
  let seeded: string[];

  const unpublished = async () => (await pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n;

  beforeAll(async () => {
    db = await createTestDatabase('order_api_routing');
    pool = createPool(db.url, { max: 4 });
    await migrate(pool, { dir: MIGRATIONS_DIR, table: 'order_api_migrations' });
    // The backlog is written before order-api starts, as after an outage or a deploy.
    const writer = new OrderWriter(pool, { maxBatch: 500, maxConcurrentWrites: 2 });
    const written = await Promise.all(Array.from({ length: backlog }, (_, i) => writer.submit(newOrder(orderBody({ customerId: `backlog-${i}` }) as never, undefined))));
    seeded = written.map((w) => w.order.id);
    expect(await unpublished()).toBe(backlog);
    vhost = await createTestVhost('routing'); // empty: no exchange, queue or binding yet
    api = await startRunningApi({ DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, RELAY_MAX_BACKOFF_MS: '500' });
  });

  afterAll(async () => {
    await api?.stop();
    await checker?.close();
    await pool?.end();
    await vhost?.drop();
    await db?.drop();
  });

  it('starting on an empty vhost with 1,000 rows waiting: every row ends up in payments', async () => {
    await waitFor(async () => (await unpublished()) === 0, { what: 'the backlog to be published', timeoutMs: 90_000 });
    checker = await AmqpConnection.open(vhost.url, { name: 'routing-test-checker' });
    ch = await checker.createChannel();
    const got = await takeMessages(ch, QUEUES.payments, backlog);
    expect(got).toHaveLength(backlog);
    expect(new Set(got.map((m) => bodyOf<{ orderId: string }>(m).orderId))).toEqual(new Set(seeded));
  });

  it('a row for an unbound routing key is returned, stays unsent, and the relay says why', async () => {
    const eventId = randomUUID();
    const { rows } = await pool.query<{ id: string }>(
      `insert into outbox (aggregate_id, event_type, exchange, routing_key, payload, headers)
       values ($1, 'order.unbound-test', 'orders', 'order.unbound-test', $2, '{}') returning id`,
      [randomUUID(), JSON.stringify({ eventId })],
    );
    const rowId = rows[0]!.id;
    api.parts.relay!.wake();
    const sentOrReturned = await waitFor(
      async () => {
        const r = await pool.query<{ published_at: Date | null }>('select published_at from outbox where id = $1', [rowId]);
        if (r.rows[0]!.published_at !== null) return 'marked sent';
        // The publisher counts the return first; the relay counts its failed batch after the rollback.
        const returned = (await api.metric('amqp_messages_published_total', { exchange: 'orders', outcome: 'returned' })) > 0;
        const batchFailed = (await api.metric('outbox_relay_batches_total', { outcome: 'unroutable' })) > 0;
        return returned && batchFailed ? 'returned' : undefined;
      },
      { what: 'the relay to publish the unbound row' },
    );
    expect(sentOrReturned).toBe('returned');
    expect(await api.metric('outbox_relay_batches_total', { outcome: 'unroutable' })).toBeGreaterThan(0);
    const published = await pool.query<{ published_at: Date | null }>('select published_at from outbox where id = $1', [rowId]);
    expect(published.rows[0]!.published_at).toBeNull();
    const line = api.logs().find((l) => l.code === 'MESSAGING_ERR_UNROUTABLE');
    expect(line).toMatchObject({ msg: 'outbox relay could not publish; rows stay in the outbox', outcome: 'unroutable' });
    expect(String(line!.err)).toContain('routing key order.unbound-test');
    // Readiness tells: intake still works (200), the relay does not.
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: { name: string; ok: boolean; error?: string }[] };
    expect(body.status).toBe('degraded');
    expect(body.checks.find((c) => c.name === 'outbox-relay')).toMatchObject({ ok: false, error: expect.stringContaining('MESSAGING_ERR_UNROUTABLE') });

    // Once the row is dealt with (here: removed by an operator), publishing resumes.
    await pool.query('delete from outbox where id = $1', [rowId]);
    const res = await fetch(`${api.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(orderBody({ customerId: 'after-unbound' })) });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const [m] = await takeMessages(ch, QUEUES.payments, 1);
    expect(bodyOf<{ orderId: string }>(m!).orderId).toBe(id);
    await waitFor(async () => (await (await fetch(`${api.url}/readyz`)).json() as { status: string }).status === 'ready', { what: 'readiness back to ready' });
  });
});
