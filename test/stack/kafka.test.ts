import { Admin, Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { ProducerFenced, createIdempotentProducer, createTransactionalProducer, inTransaction, initTransactions, kafkaClientOptions, type KafkaClientSettings } from '@orderflow/kafka';
import { readTopic } from '@orderflow/testkit';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const settings: KafkaClientSettings = { brokers: stackSetting('KAFKA_BROKERS').split(','), clientId: 'stack-smoke', retryDelayMs: 50 };

describe('Kafka (real KRaft broker)', () => {
  const topic = uniqueName('smoke');
  const admin = new Admin(kafkaClientOptions(settings));
  const producer = createIdempotentProducer(settings);
  const consumer = new Consumer({ ...kafkaClientOptions(settings), groupId: uniqueName('smoke-group'), deserializers: stringDeserializers, maxWaitTime: 200 });

  afterAll(async () => {
    await consumer.close(true);
    await producer.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close();
  });

  it('keeps per-key order through an idempotent producer (acks=all) and a consumer group', async () => {
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    expect(metadata.topics.get(topic)?.partitionsCount).toBe(3);

    const keys = ['order-a', 'order-b', 'order-c'];
    for (let seq = 0; seq < 20; seq++) {
      await producer.send({ messages: keys.map((key) => ({ topic, key, value: JSON.stringify({ key, seq }) })) });
    }

    const received = new Map<string, { seq: number; partition: number }[]>();
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: true });
    stream.on('data', (message) => {
      const body = JSON.parse(message.value) as { key: string; seq: number };
      const list = received.get(body.key) ?? [];
      list.push({ seq: body.seq, partition: message.partition });
      received.set(body.key, list);
    });
    await waitFor(() => [...received.values()].reduce((n, l) => n + l.length, 0) === 60, { timeoutMs: 60_000, what: '60 messages consumed' });
    await stream.close();
    for (const key of keys) {
      const list = received.get(key) ?? [];
      expect(list.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(new Set(list.map((m) => m.partition)).size).toBe(1);
    }
  });

  it('a restarted transactional producer (same id) fences its predecessor and commits; the old one cannot', async () => {
    const id = uniqueName('restart-txn');
    const first = createTransactionalProducer(settings, id);
    await inTransaction(first, (tx) => tx.send({ messages: [{ topic, key: 'k', value: 'first' }] }));
    // The same instance restarted: a new producer, same transactional id.
    const second = createTransactionalProducer(settings, id);
    try {
      await initTransactions(second);
      await inTransaction(second, (tx) => tx.send({ messages: [{ topic, key: 'k', value: 'second' }] }));
      const zombie = await inTransaction(first, (tx) => tx.send({ messages: [{ topic, key: 'k', value: 'zombie' }] }), { timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(ProducerFenced.is(zombie)).toBe(true);
      const seen = await readTopic(settings, topic, (got) => got.some((r) => r.value === 'second'), { what: 'the restarted producer\'s record' });
      expect(seen.filter((r) => r.key === 'k').map((r) => r.value)).toEqual(['first', 'second']);
    } finally {
      await first.close(true).catch(() => undefined);
      await second.close();
    }
  });
});
