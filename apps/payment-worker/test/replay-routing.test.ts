import { randomUUID } from 'node:crypto';
import { AmqpConnection, ConfirmPublisher, EXCHANGES, QUEUES } from '@orderflow/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayDeadLetters } from '../src/replay.ts';
import { declarePaymentTopology } from '../src/topology.ts';
import { createVhost, queueDepths, type TestVhost } from './support/stack.ts';

const TOPOLOGY = { MAX_RETRIES: 2, RETRY_INITIAL_DELAY_MS: 1_000, RETRY_BACKOFF_FACTOR: 2, PARK_DELAY_MS: 1_000 };
const FAN_OUT = ['orders.region.eu', 'orders.priority.high', 'inventory.billing', 'inventory.notifications'];

describe('DLQ replay routing (real broker): back to the source queue only, or left in the DLQ', () => {
  let vhost: TestVhost;
  let connection: AmqpConnection;
  let publisher: ConfirmPublisher;

  beforeAll(async () => {
    vhost = await createVhost('payment-worker-replay');
    connection = await AmqpConnection.open(vhost.url, { name: 'replay-routing-test' });
    const channel = await connection.createChannel();
    await declarePaymentTopology(channel, TOPOLOGY);
    await channel.close();
    publisher = new ConfirmPublisher(connection);
  });

  afterAll(async () => {
    await publisher?.close();
    await connection?.close();
    await vhost?.drop();
  });

  it('sends worker and broker dead letters back to payments, and keeps those without a known source', async () => {
    const dead = (headers: Record<string, unknown>) => ({
      exchange: EXCHANGES.paymentsDead,
      routingKey: QUEUES.payments,
      body: { note: 'a dead letter' },
      messageId: randomUUID(),
      type: 'order.created',
      headers: { priority: 'high', region: 'eu', ...headers },
    });
    await publisher.publishBatch([
      dead({ 'x-orderflow-source-queue': 'payments', 'x-orderflow-copy-id': 'copy-1' }),
      dead({}),
      dead({ 'x-orderflow-source-queue': 'no-such-queue' }),
    ]);
    // One the broker dead-letters itself: rejected from payments without requeue.
    const channel = await connection.createChannel();
    await publisher.publishBatch([{ exchange: '', routingKey: QUEUES.payments, body: { note: 'rejected' }, messageId: 'rejected-1', type: 'order.created' }]);
    const got = await channel.get(QUEUES.payments, { noAck: false });
    if (got === false) throw new Error('expected the message in payments');
    channel.nack(got, false, false);
    await channel.close();
    expect(await queueDepths(vhost.url, [QUEUES.paymentsDead, QUEUES.payments])).toEqual({ [QUEUES.paymentsDead]: 4, [QUEUES.payments]: 0 });

    const result = await replayDeadLetters(connection, publisher, { limit: 10, dryRun: false });

    expect(result.count).toBe(2);
    expect(result.messages.map((m) => m.queue)).toEqual(['payments', 'payments']);
    expect(result.skipped.map((m) => m.skipped).sort()).toEqual(['no source queue in its headers', 'source queue no-such-queue does not exist']);
    expect(await queueDepths(vhost.url, [QUEUES.paymentsDead, QUEUES.payments, ...FAN_OUT])).toEqual({
      [QUEUES.paymentsDead]: 2,
      [QUEUES.payments]: 2,
      ...Object.fromEntries(FAN_OUT.map((q) => [q, 0])),
    });
    const back = await vhost.peek(QUEUES.payments, 10);
    const copyIds = back.map((m) => m.properties.headers?.['x-orderflow-copy-id']);
    expect(copyIds).toContain('copy-1');
    for (const m of back) {
      expect(m.properties.headers?.['x-death']).toBeUndefined();
      expect(m.properties.headers?.['x-orderflow-source-queue']).toBeUndefined();
      expect(typeof m.properties.headers?.['x-orderflow-replayed-at']).toBe('string');
    }
  });
});
