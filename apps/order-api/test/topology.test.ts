import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestVhost, createTestVhost, waitFor } from '@orderflow/testkit';
import {
  AmqpConnection,
  ConfirmPublisher,
  EVENT_TYPES,
  EXCHANGES,
  QUEUES,
  declareOrderTopology,
  logRoutingKey,
  requiresSubscriber,
} from '@orderflow/messaging';

// Every exchange type of the order topology, exercised on the real broker in a fresh vhost.
describe('order topology on RabbitMQ', () => {
  let vhost: TestVhost;
  let connection: AmqpConnection;
  let publisher: ConfirmPublisher;

  beforeAll(async () => {
    vhost = await createTestVhost('topology');
    connection = await AmqpConnection.open(vhost.url, { name: 'topology-test' });
    const ch = await connection.createChannel();
    await declareOrderTopology(ch);
    await declareOrderTopology(ch); // idempotent
    await ch.close();
    publisher = new ConfirmPublisher(connection);
  });

  afterAll(async () => {
    await publisher?.close();
    await connection?.close();
    await vhost?.drop();
  });

  const orderCreated = (region: string, priority: string) => {
    const id = randomUUID();
    return {
      exchange: EXCHANGES.orders,
      routingKey: EVENT_TYPES.orderCreated,
      messageId: randomUUID(),
      type: EVENT_TYPES.orderCreated,
      headers: { region, priority, 'x-orderflow-order-id': id },
      body: { orderId: id },
    };
  };

  it('direct + headers + fanout: one order.created publish reaches payments, its priority/region queues and every inventory subscriber', async () => {
    await publisher.publishBatch([orderCreated('asia', 'high'), orderCreated('eu', 'normal'), orderCreated('us', 'normal')]);
    const counts = await waitFor(
      async () => {
        const c = {
          payments: await vhost.messages(QUEUES.payments),
          high: await vhost.messages(QUEUES.priorityHigh),
          asia: await vhost.messages(QUEUES.region('asia')),
          eu: await vhost.messages(QUEUES.region('eu')),
          us: await vhost.messages(QUEUES.region('us')),
          billing: await vhost.messages(QUEUES.inventoryBilling),
          notifications: await vhost.messages(QUEUES.inventoryNotifications),
        };
        return c.payments === 3 && c.billing === 3 && c.notifications === 3 && c.asia + c.eu + c.us === 3 ? c : undefined;
      },
      { what: 'management API queue depths after the publish' },
    );
    expect(counts).toEqual({ payments: 3, high: 1, asia: 1, eu: 1, us: 1, billing: 3, notifications: 3 });
  });

  it('direct: order.status_changed does not reach the payments queue', async () => {
    const before = await vhost.messages(QUEUES.payments);
    // Published as the relay does: status changes are notifications with optional subscribers.
    const statusChanged = { ...orderCreated('eu', 'normal'), routingKey: EVENT_TYPES.orderStatusChanged, type: EVENT_TYPES.orderStatusChanged, mandatory: requiresSubscriber(EXCHANGES.orders, EVENT_TYPES.orderStatusChanged) };
    await publisher.publishBatch([statusChanged]);
    // A consumer bound to the same key proves the message was routed and delivered before we compare.
    const ch = await connection.createChannel();
    const probe = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(probe.queue, EXCHANGES.orders, EVENT_TYPES.orderStatusChanged);
    await publisher.publishBatch([{ ...statusChanged, messageId: randomUUID() }]);
    const got = await waitFor(async () => (await ch.get(probe.queue, { noAck: true })) || undefined, { what: 'status_changed on the probe queue' });
    expect(got.properties.type).toBe(EVENT_TYPES.orderStatusChanged);
    expect(await vhost.messages(QUEUES.payments)).toBe(before);
    await ch.close();
  });

  it('topic: log.<region>.<level> routes errors from every region to logs.errors and everything from asia to logs.asia', async () => {
    const log = (region: string, level: string) => ({
      exchange: EXCHANGES.logs,
      routingKey: logRoutingKey(region, level),
      messageId: randomUUID(),
      type: 'log',
      body: { region, level },
      // As the relay publishes them: a level nobody collects (log.us.info) is dropped by design.
      mandatory: requiresSubscriber(EXCHANGES.logs, logRoutingKey(region, level)),
    });
    await publisher.publishBatch([log('eu', 'error'), log('asia', 'info'), log('asia', 'error'), log('us', 'info')]);
    const counts = await waitFor(
      async () => {
        const c = { errors: await vhost.messages(QUEUES.logsErrors), asia: await vhost.messages(QUEUES.logsAsia) };
        return c.errors === 2 && c.asia === 2 ? c : undefined;
      },
      { what: 'logs queues to fill' },
    );
    expect(counts).toEqual({ errors: 2, asia: 2 });
  });

  it('declares the payment retry delay queues only for the service that passes their delays', async () => {
    const ch = await connection.createChannel();
    ch.on('error', () => undefined); // a failed checkQueue closes the channel
    await expect(ch.checkQueue(QUEUES.paymentsRetry(1))).rejects.toThrow(/NOT_FOUND/);
    const ch2 = await connection.createChannel();
    await declareOrderTopology(ch2, { paymentRetryDelaysMs: [1_000, 5_000] });
    expect((await ch2.checkQueue(QUEUES.paymentsRetry(2))).queue).toBe('payments.retry.2');
    await declareOrderTopology(ch2); // order-api's declaration leaves them as they are
    await ch2.close();
  });

  it('a publish to a missing exchange fails the batch with a retriable coded error', async () => {
    const batch = [{ ...orderCreated('eu', 'normal'), exchange: 'no-such-exchange' }];
    await expect(publisher.publishBatch(batch)).rejects.toMatchObject({ code: 'MESSAGING_ERR_CHANNEL_CLOSED', retriable: true });
    // The publisher opens a new channel for the next batch.
    await expect(publisher.publishBatch([orderCreated('eu', 'normal')])).resolves.toBeUndefined();
  });

  it('mandatory: a message no queue receives fails its batch with a retriable MESSAGING_ERR_UNROUTABLE; the routable ones still arrive', async () => {
    const ch = await connection.createChannel();
    const probe = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(probe.queue, EXCHANGES.orders, EVENT_TYPES.orderCreated);
    const routable = orderCreated('us', 'normal');
    const unbound = { ...orderCreated('eu', 'normal'), routingKey: 'order.nobody-binds-this' };
    await expect(publisher.publishBatch([routable, unbound])).rejects.toMatchObject({ code: 'MESSAGING_ERR_UNROUTABLE', retriable: true, message: expect.stringContaining('order.nobody-binds-this') });
    const got = await waitFor(async () => (await ch.get(probe.queue, { noAck: true })) || undefined, { what: 'the routable message' });
    expect(got.properties.messageId).toBe(routable.messageId);
    expect(await ch.get(probe.queue, { noAck: true })).toBe(false);
    await ch.close();
    // The same message id routed elsewhere is told apart by exchange and routing key.
    const twin = { ...unbound, routingKey: EVENT_TYPES.orderCreated };
    await expect(publisher.publishBatch([unbound, twin])).rejects.toMatchObject({ code: 'MESSAGING_ERR_UNROUTABLE' });
    await expect(publisher.publishBatch([twin])).resolves.toBeUndefined();
  });
});
