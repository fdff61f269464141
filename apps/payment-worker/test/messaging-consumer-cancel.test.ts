import { Type } from '@sinclair/typebox';
import { AmqpConnection, startConsumer } from '@orderflow/messaging';
import { createTestVhost, rabbitmqManagement, waitFor, type TestVhost } from '@orderflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('@orderflow/messaging startConsumer (real broker): the broker cancels the subscription', () => {
  let vhost: TestVhost;
  let connection: AmqpConnection;

  beforeAll(async () => {
    vhost = await createTestVhost('messaging-cancel-test');
    connection = await AmqpConnection.open(vhost.url, { name: 'messaging-cancel-test' });
  });

  afterAll(async () => {
    await connection?.close();
    await vhost?.drop();
  });

  it('reports a deleted queue through onCancelled and `cancelled`, instead of consuming nothing in silence', async () => {
    const channel = await connection.createChannel();
    await channel.assertQueue('work', { durable: true });
    let told = 0;
    const consumer = await startConsumer(channel, {
      queue: 'work',
      schema: Type.Object({ n: Type.Integer() }),
      handle: () => Promise.resolve(),
      onCancelled: () => (told += 1),
    });
    expect(consumer.cancelled).toBe(false);

    await rabbitmqManagement('DELETE', `/queues/${encodeURIComponent(vhost.name)}/work`);
    await waitFor(() => consumer.cancelled, { timeoutMs: 30_000, what: 'the consumer to learn it was cancelled' });
    expect(told).toBe(1);
    await consumer.stop();
    await channel.close();
  });
});
