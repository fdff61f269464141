import amqp from 'amqplib';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const url = stackSetting('RABBITMQ_URL');
const management = stackSetting('RABBITMQ_MANAGEMENT_URL');
const auth = `Basic ${Buffer.from(`${stackSetting('RABBITMQ_USER')}:${stackSetting('RABBITMQ_PASSWORD')}`).toString('base64')}`;

async function queueInfo(name: string): Promise<{ messages: number; durable: boolean }> {
  const res = await fetch(`${management}/api/queues/%2F/${encodeURIComponent(name)}`, { headers: { authorization: auth } });
  if (!res.ok) throw new Error(`management API ${res.status}`);
  return (await res.json()) as { messages: number; durable: boolean };
}

describe('RabbitMQ (real broker)', () => {
  const queue = uniqueName('smoke');
  let connection: amqp.ChannelModel | undefined;
  afterAll(async () => {
    await connection?.close();
  });

  it('publishes persistent messages with confirms and consumes them with manual acks', async () => {
    connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (let i = 0; i < 50; i++) {
      channel.publish('', queue, Buffer.from(JSON.stringify({ i })), { persistent: true, contentType: 'application/json' });
    }
    await channel.waitForConfirms();
    const info = await waitFor(async () => {
      const q = await queueInfo(queue);
      return q.messages === 50 ? q : undefined;
    }, { what: '50 messages visible in the management API' });
    expect(info.durable).toBe(true);

    const consumer = await connection.createChannel();
    await consumer.prefetch(10);
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .consume(queue, (msg) => {
          if (msg === null) return;
          seen.push((JSON.parse(msg.content.toString()) as { i: number }).i);
          consumer.ack(msg);
          if (seen.length === 50) resolve();
        }, { noAck: false })
        .catch(reject);
    });
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await waitFor(async () => (await queueInfo(queue)).messages === 0, { what: 'queue drained after acks' });
    await consumer.close();
    await channel.deleteQueue(queue);
  });

  it('rejects bad credentials with a clear error', async () => {
    const bad = new URL(url);
    bad.password = 'not-the-password';
    await expect(amqp.connect(bad.toString())).rejects.toThrow(/ACCESS_REFUSED|403/);
  });
});
