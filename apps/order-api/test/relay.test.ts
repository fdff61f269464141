import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from 'amqplib';
import { TcpProxy, type TestVhost, createTestVhost, stackSetting, waitFor } from '@orderflow/testkit';
import { AmqpConnection, ConfirmPublisher, QUEUES, declareOrderTopology } from '@orderflow/messaging';
import { recordStatusChanges } from '@orderflow/order-status';
import { withTransaction } from '@orderflow/pg';
import { OutboxRelay } from '../src/relay/outbox-relay.ts';
import { bodyOf, takeMessages } from './support/broker.ts';
import { createHarness, orderBody, testLogger, type Harness } from './support/harness.ts';

// The outbox relay against the real PostgreSQL and RabbitMQ, with a proxy in between that the
// test can close (RabbitMQ down) and hold (confirms delayed).
describe('outbox relay', () => {
  let h: Harness;
  let vhost: TestVhost;
  let proxy: TcpProxy;
  let relayConnection: AmqpConnection;
  let publisher: ConfirmPublisher;
  let relay: OutboxRelay;
  let direct: AmqpConnection;
  let ch: Channel;

  const unpublished = async () => (await h.pool.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n;
  const post = async (overrides: Record<string, unknown> = {}) => {
    const res = await h.app.inject({ method: 'POST', url: '/orders', payload: orderBody(overrides) });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };

  beforeAll(async () => {
    h = await createHarness({ onCommitted: () => relay?.wake() });
    vhost = await createTestVhost('relay');
    const broker = new URL(stackSetting('RABBITMQ_URL'));
    proxy = new TcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    await proxy.open();
    direct = await AmqpConnection.open(vhost.url, { name: 'relay-test-checker' });
    ch = await direct.createChannel();
    await declareOrderTopology(ch);
    relayConnection = await AmqpConnection.open(vhost.urlVia(proxy.address), {
      name: 'relay-test',
      initialReconnectDelayMs: 50,
      maxReconnectDelayMs: 300,
    });
    publisher = new ConfirmPublisher(relayConnection, { registry: h.registry });
    relay = new OutboxRelay({ pool: h.pool, publisher, logger: testLogger(), metrics: h.metrics, batchSize: 100, pollIntervalMs: 200, maxBackoffMs: 300 });
    relay.start();
  });

  afterAll(async () => {
    await relay?.stop();
    await publisher?.close();
    await relayConnection?.close();
    await direct?.close();
    await proxy?.close();
    await vhost?.drop();
    await h?.close();
  });

  it('publishes each order.created once; direct, headers and fanout exchanges deliver it to their queues', async () => {
    const asiaHigh = await post({ region: 'asia', priority: 'high' });
    const euNormal = await post({ region: 'eu', priority: 'normal' });
    const usHigh = await post({ region: 'us', priority: 'high' });
    await waitFor(async () => (await unpublished()) === 0, { what: 'outbox drained' });

    const payments = await takeMessages(ch, QUEUES.payments, 3);
    expect(payments.map((m) => bodyOf<{ orderId: string }>(m).orderId).sort()).toEqual([asiaHigh, euNormal, usHigh].sort());
    expect(payments[0]!.properties).toMatchObject({ deliveryMode: 2, contentType: 'application/json', type: 'order.created' });
    expect(payments[0]!.properties.messageId).toBe(bodyOf<{ eventId: string }>(payments[0]!).eventId);

    const high = await takeMessages(ch, QUEUES.priorityHigh, 2);
    expect(high.map((m) => bodyOf<{ orderId: string }>(m).orderId).sort()).toEqual([asiaHigh, usHigh].sort());
    for (const [region, id] of [['asia', asiaHigh], ['eu', euNormal], ['us', usHigh]] as const) {
      const [m] = await takeMessages(ch, QUEUES.region(region), 1);
      expect(bodyOf<{ orderId: string }>(m!).orderId).toBe(id);
    }
    for (const q of [QUEUES.inventoryBilling, QUEUES.inventoryNotifications]) {
      const fan = await takeMessages(ch, q, 3);
      expect(fan.map((m) => bodyOf<{ orderId: string }>(m).orderId).sort()).toEqual([asiaHigh, euNormal, usHigh].sort());
    }
  });

  it('status changes go out as order.status_changed, and a payment failure as log.<region>.error on the topic exchange', async () => {
    const probe = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(probe.queue, 'orders', 'order.status_changed');
    const paidId = await post({ region: 'eu' });
    const failedId = await post({ region: 'asia' });
    await waitFor(async () => (await unpublished()) === 0, { what: 'order.created rows published' });
    await takeMessages(ch, QUEUES.payments, 2);

    const results = await withTransaction(h.pool, (client) =>
      recordStatusChanges(client, [
        { orderId: paidId, status: 'paid' },
        { orderId: failedId, status: 'payment_pending', reason: 'provider timeout' },
        { orderId: failedId, status: 'payment_failed', reason: 'card declined' },
        { orderId: paidId, status: 'paid' },
      ]),
    );
    expect(results.map((r) => r.outcome)).toEqual(['changed', 'changed', 'changed', 'unchanged']);
    relay.wake();

    const changed = await takeMessages(ch, probe.queue, 3);
    expect(changed.map((m) => bodyOf<{ orderId: string; to: string; version: number }>(m)).map((b) => [b.orderId, b.to, b.version])).toEqual([
      [paidId, 'paid', 2],
      [failedId, 'payment_pending', 2],
      [failedId, 'payment_failed', 3],
    ]);
    const [errorLog] = await takeMessages(ch, QUEUES.logsErrors, 1);
    expect(errorLog!.fields.routingKey).toBe('log.asia.error');
    expect(bodyOf(errorLog!)).toMatchObject({ level: 'error', region: 'asia', orderId: failedId, message: 'payment failed: card declined' });
    const [asiaLog] = await takeMessages(ch, QUEUES.logsAsia, 1);
    expect(bodyOf(asiaLog!)).toMatchObject({ orderId: failedId });

    const order = (await h.app.inject({ url: `/orders/${failedId}` })).json<{ status: string; version: number }>();
    expect(order).toMatchObject({ status: 'payment_failed', version: 3 });
    // A replayed dead letter may still succeed; paid is final.
    const replay = await withTransaction(h.pool, (client) =>
      recordStatusChanges(client, [
        { orderId: failedId, status: 'paid', reason: 'replayed from payments.dlq' },
        { orderId: failedId, status: 'payment_pending' },
      ]),
    );
    expect(replay.map((r) => [r.outcome, r.version])).toEqual([
      ['changed', 4],
      ['invalid', 4],
    ]);
  });

  it('marks rows sent only after the broker confirmed them', async () => {
    proxy.hold(); // messages reach RabbitMQ, its confirms do not reach the relay
    const id = await post();
    await waitFor(async () => (await vhost.messages(QUEUES.payments)) >= 1, { what: 'the message to reach the broker', timeoutMs: 30_000 });
    const row = await h.pool.query<{ published_at: Date | null }>('select published_at from outbox where aggregate_id = $1', [id]);
    expect(row.rows[0]!.published_at).toBeNull();
    proxy.release();
    await waitFor(async () => (await unpublished()) === 0, { what: 'the row to be marked after the confirm' });
    const [m] = await takeMessages(ch, QUEUES.payments, 1);
    expect(bodyOf<{ orderId: string }>(m!).orderId).toBe(id);
    await ch.purgeQueue(QUEUES.payments); // a republish after a lost confirm would be a legitimate duplicate
  });

  it('accepts orders while RabbitMQ is unreachable and publishes them once it is back', async () => {
    await proxy.close();
    await waitFor(() => !relayConnection.connected, { what: 'the relay to notice the broker is gone' });
    const ids = [await post(), await post(), await post()];
    // The relay keeps trying; the rows stay.
    const retries = async () => (await h.metrics.relayRetries.get()).values[0]?.value ?? 0;
    const before = await retries();
    await waitFor(async () => (await retries()) > before, { what: 'failed relay attempts' });
    expect(await unpublished()).toBe(3);
    expect((await h.app.inject({ url: '/readyz' })).statusCode).toBe(200);

    await proxy.open();
    await waitFor(async () => (await unpublished()) === 0, { what: 'the outbox to drain after the broker came back', timeoutMs: 60_000 });
    const got = await takeMessages(ch, QUEUES.payments, 3);
    expect(got.map((m) => bodyOf<{ orderId: string }>(m).orderId).sort()).toEqual([...ids].sort());
    const metrics = await h.registry.metrics();
    expect(metrics).toMatch(/outbox_relay_batches_total\{outcome="(broker_unavailable|failed|breaker_open)"\} [1-9]/);
  });
});
