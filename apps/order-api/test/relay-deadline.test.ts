import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from 'amqplib';
import { TcpProxy, type TestVhost, createTestVhost, stackSetting, waitFor } from '@orderflow/testkit';
import { AmqpConnection, ConfirmPublisher, QUEUES, declareOrderTopology } from '@orderflow/messaging';
import { createPool } from '@orderflow/pg';
import { OutboxRelay } from '../src/relay/outbox-relay.ts';
import { bodyOf, takeMessages } from './support/broker.ts';
import { createHarness, orderBody, testLogger, type Harness } from './support/harness.ts';

// Issue 8 item 6: a broker that stops confirming (memory alarm, stalled link) must not keep the
// relay's PostgreSQL transaction, and the outbox rows' locks, open without end.
describe('relay confirm deadline', () => {
  let h: Harness;
  let vhost: TestVhost;
  let proxy: TcpProxy;
  let relayConnection: AmqpConnection;
  let publisher: ConfirmPublisher;
  let relay: OutboxRelay;
  let direct: AmqpConnection;
  let ch: Channel;

  const unpublished = async () => (await h.pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n;
  const post = async () => {
    const res = await h.app.inject({ method: 'POST', url: '/orders', payload: orderBody({ customerId: 'deadline' }) });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const metric = async (name: string, labels: Record<string, string>) =>
    (await h.registry.getSingleMetric(name)!.get()).values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((s, v) => s + v.value, 0);
  /** Sessions of the test database sitting idle inside a transaction. */
  const idleInTransaction = async () =>
    (
      await h.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = $1 and state like 'idle in transaction%'`, [h.db.name])
    ).rows[0]!.n;

  beforeAll(async () => {
    h = await createHarness({ onCommitted: () => relay?.wake() });
    vhost = await createTestVhost('deadline');
    const broker = new URL(stackSetting('RABBITMQ_URL'));
    proxy = new TcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    await proxy.open();
    direct = await AmqpConnection.open(vhost.url, { name: 'deadline-test-checker' });
    ch = await direct.createChannel();
    await declareOrderTopology(ch);
    // The proxy holds heartbeats too; in a memory alarm they keep flowing and the connection stays
    // up. A long heartbeat keeps a dead-peer verdict from ending the stall during the test.
    relayConnection = await AmqpConnection.open(vhost.urlVia(proxy.address), {
      name: 'deadline-test',
      heartbeatSeconds: 120,
      initialReconnectDelayMs: 50,
      maxReconnectDelayMs: 300,
    });
    publisher = new ConfirmPublisher(relayConnection, { registry: h.registry, confirmTimeoutMs: 1_000 });
    relay = new OutboxRelay({ pool: h.pool, publisher, logger: testLogger(), metrics: h.metrics, batchSize: 100, pollIntervalMs: 200, maxBackoffMs: 500 });
    relay.start();
  });

  afterAll(async () => {
    proxy?.release();
    await relay?.stop();
    await publisher?.close();
    await relayConnection?.close();
    await direct?.close();
    await proxy?.close();
    await vhost?.drop();
    await h?.close();
  });

  it('rolls back when confirms are overdue (rows unsent, locks free), and publishes once the broker answers again', async () => {
    const warmup = await post();
    await waitFor(async () => (await unpublished()) === 0, { what: 'the first order published' });
    expect(bodyOf<{ orderId: string }>((await takeMessages(ch, QUEUES.payments, 1))[0]!).orderId).toBe(warmup);

    proxy.hold(); // publishes reach RabbitMQ; its confirms (and every other answer) do not come back
    const id = await post();
    const lockable = async () => (await h.pool.query('select id from outbox where published_at is null for update skip locked')).rows.length === 1;
    // The relay took the row (locked, its transaction waiting on confirms)...
    await waitFor(async () => (await idleInTransaction()) > 0 && !(await lockable()), { what: 'the relay to lock the row and wait for confirms' });
    // ...and, past the deadline, rolled back: nobody idles in a transaction, the row is free.
    await waitFor(async () => (await idleInTransaction()) === 0 && (await lockable()), { what: 'no session idle in transaction and the row lockable by others' });
    expect(await metric('outbox_relay_batches_total', { outcome: 'confirm_timeout' })).toBeGreaterThan(0);
    expect(await metric('amqp_messages_published_total', { exchange: 'orders', outcome: 'timeout' })).toBeGreaterThan(0);
    expect(await unpublished()).toBe(1);

    proxy.release();
    await waitFor(async () => (await unpublished()) === 0, { what: 'the row sent once confirms flow again', timeoutMs: 60_000 });
    // Attempts whose confirms were overdue may have reached the queue too: at-least-once, same order.
    const got = await takeMessages(ch, QUEUES.payments, 1);
    expect(new Set(got.map((m) => bodyOf<{ orderId: string }>(m).orderId))).toEqual(new Set([id]));
  });

  it('PostgreSQL ends a session left idle in a transaction (pool setting)', async () => {
    const pool = createPool(h.db.url, { max: 1, idleInTransactionTimeoutMs: 1_000 });
    pool.on('error', () => undefined);
    try {
      expect((await pool.query<{ idle_in_transaction_session_timeout: string }>('show idle_in_transaction_session_timeout')).rows[0]!.idle_in_transaction_session_timeout).toBe('1s');
      const client = await pool.connect();
      client.on('error', () => undefined);
      await client.query('begin');
      const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      await waitFor(async () => (await h.pool.query('select 1 from pg_stat_activity where pid = $1', [pid])).rows.length === 0, {
        what: 'the idle transaction to be terminated by the server',
      });
      await expect(client.query('select 1')).rejects.toThrow();
      client.release(true);
    } finally {
      await pool.end();
    }
    const defaults = createPool(h.db.url, { max: 1 });
    expect((await defaults.query<{ idle_in_transaction_session_timeout: string }>('show idle_in_transaction_session_timeout')).rows[0]!.idle_in_transaction_session_timeout).toBe('1min');
    await defaults.end();
  });
});
