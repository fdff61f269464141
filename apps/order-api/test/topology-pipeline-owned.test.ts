import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestVhost, createTestVhost, waitFor } from '@orderflow/testkit';
import { AmqpConnection, ConfirmPublisher, EVENT_TYPES, EXCHANGES, QUEUES, declareOrderTopology } from '@orderflow/messaging';

// Under the chart, the OrderPipeline owns the payments queue: the operator declares it with its
// own dead-letter route (default exchange → payments.dlq) before or after order-api starts.
// order-api (PAYMENTS_TOPOLOGY=pipeline) must then leave it alone and still route into it.
describe('order topology beside a pipeline-owned payments queue', () => {
  let vhost: TestVhost;
  let connection: AmqpConnection;

  beforeAll(async () => {
    vhost = await createTestVhost('topology-pipeline');
    connection = await AmqpConnection.open(vhost.url, { name: 'topology-pipeline-test' });
    // What operator/src/desired.ts declares for the chart's pipeline (deadLetter.enabled).
    const ch = await connection.createChannel();
    await ch.assertExchange(EXCHANGES.orders, 'direct', { durable: true });
    await ch.assertQueue(QUEUES.payments, {
      durable: true,
      arguments: { 'x-queue-type': 'classic', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${QUEUES.payments}.dlq` },
    });
    await ch.bindQueue(QUEUES.payments, EXCHANGES.orders, EVENT_TYPES.orderCreated);
    await ch.close();
  });

  afterAll(async () => {
    await connection?.close();
    await vhost?.drop();
  });

  it("declares the rest of the topology without touching the pipeline's queue, and order.created still reaches it", async () => {
    const ch = await connection.createChannel();
    await declareOrderTopology(ch, { paymentsQueue: 'pipeline' });
    await declareOrderTopology(ch, { paymentsQueue: 'pipeline' }); // idempotent, as at every start
    await ch.close();

    const publisher = new ConfirmPublisher(connection);
    try {
      const id = randomUUID();
      await publisher.publishBatch([
        { exchange: EXCHANGES.orders, routingKey: EVENT_TYPES.orderCreated, messageId: randomUUID(), type: EVENT_TYPES.orderCreated, headers: { region: 'eu', priority: 'normal', 'x-orderflow-order-id': id }, body: { orderId: id } },
      ]);
    } finally {
      await publisher.close();
    }
    await waitFor(async () => (await vhost.messages(QUEUES.payments)) === 1, { timeoutMs: 60_000, what: 'order.created in the pipeline-owned payments queue' });
    expect(await vhost.messages(QUEUES.region('eu'))).toBe(1);
  });
});
