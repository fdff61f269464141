import { Kafka, logLevel } from 'kafkajs';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const kafka = new Kafka({ clientId: 'stack-smoke', brokers: stackSetting('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });

describe('Kafka (real KRaft broker)', () => {
  const topic = uniqueName('smoke');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('keeps per-key order through an idempotent producer and a consumer group', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    await producer.connect();
    const keys = ['order-a', 'order-b', 'order-c'];
    for (let seq = 0; seq < 20; seq++) {
      await producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: JSON.stringify({ key, seq }) })) });
    }

    const received = new Map<string, { seq: number; partition: number }[]>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const body = JSON.parse(message.value?.toString() ?? '{}') as { key: string; seq: number };
        const list = received.get(body.key) ?? [];
        list.push({ seq: body.seq, partition });
        received.set(body.key, list);
        return Promise.resolve();
      },
    });
    await waitFor(() => [...received.values()].reduce((n, l) => n + l.length, 0) === 60, { timeoutMs: 60_000, what: '60 messages consumed' });
    for (const key of keys) {
      const list = received.get(key) ?? [];
      expect(list.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(new Set(list.map((m) => m.partition)).size).toBe(1);
    }
  });
});
