import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { type TestVhost, createTestVhost, waitFor } from '@orderflow/testkit';
import { AmqpConnection, ConfirmPublisher, QUEUES, declareOrderTopology } from '@orderflow/messaging';
import { OutboxListener } from '../src/relay/outbox-listener.ts';
import { OutboxRelay } from '../src/relay/outbox-relay.ts';
import { shutdown } from '../src/shutdown.ts';
import { createHarness, orderBody, testLogger, type Harness } from './support/harness.ts';

// SIGTERM's drain (main.ts calls the same shutdown()): requests in flight when it starts are
// answered and committed, and the outbox is published before connections close.
describe('graceful shutdown', () => {
  let h: Harness;
  let vhost: TestVhost;

  beforeAll(async () => {
    h = await createHarness();
    vhost = await createTestVhost('shutdown');
  });
  afterAll(async () => {
    await h?.close();
    await vhost?.drop();
  });

  it('answers in-flight orders, publishes the outbox, then closes', async () => {
    const logger = testLogger();
    const connection = await AmqpConnection.open(vhost.url, { name: 'shutdown-test' });
    const setup = await connection.createChannel();
    await declareOrderTopology(setup);
    await setup.close();
    const publisher = new ConfirmPublisher(connection);
    // A relay that only publishes when woken at shutdown: every row must go out in the drain.
    const relay = new OutboxRelay({ pool: h.pool, publisher, logger, metrics: h.metrics, batchSize: 7, pollIntervalMs: 60_000, maxBackoffMs: 200 });
    const listener = new OutboxListener(h.db.url, logger, () => undefined);
    await listener.start();

    // Hold requests after they arrived until the drain has begun.
    const arrived: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.app.addHook('preHandler', async (request) => {
      if (request.url === '/orders' && request.method === 'POST') {
        arrived.push(request.id);
        await gate;
      }
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;

    const n = 40;
    const responses = Array.from({ length: n }, (_, i) =>
      fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(orderBody({ customerId: `drain-${i}` })) }),
    );
    await waitFor(() => arrived.length === n, { what: 'all requests to reach the server' });

    const done = shutdown({ app: h.app, writer: h.writer, relay, listener, publisher, connection, pool: h.pool, logger }, 30_000);
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status !== 200, { what: 'readiness to stop' });
    release();
    const statuses = await Promise.all(responses.map(async (r) => (await r).status));
    await done;

    expect(statuses).toEqual(Array.from({ length: n }, () => 201));
    expect(h.pool.ended).toBe(true);
    // The pool is closed: check the database and broker from outside.
    const { default: pg } = await import('pg');
    const check = new pg.Client({ connectionString: h.db.url });
    await check.connect();
    const counts = await check.query<{ orders: number; pending: number }>(
      `select (select count(*)::int from orders where customer_id like 'drain-%') as orders,
              (select count(*)::int from outbox where published_at is null) as pending`,
    );
    await check.end();
    expect(counts.rows[0]).toEqual({ orders: n, pending: 0 });
    await waitFor(async () => (await vhost.messages(QUEUES.payments)) === n, { what: `${n} messages on payments`, timeoutMs: 30_000 });
    await expect(h.writer.submit({} as never)).rejects.toMatchObject({ code: 'ORDERS_ERR_SHUTTING_DOWN' });
  });
});
