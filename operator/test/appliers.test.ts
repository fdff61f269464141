import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type kafkajs from 'kafkajs';
import { connect } from 'amqplib';
import { stackSetting, uniqueName } from '@orderflow/testkit';
import { desired } from '../src/desired.ts';
import { applyTopology, deleteTopology } from '../src/rabbitmq/topology-applier.ts';
import { applyTopics, deleteTopics } from '../src/kafka/topic-applier.ts';
import { pipeline } from './fixtures.ts';
import { deleteVhost, kafkaAdmin, managementClient } from './brokers.ts';

// The appliers against the real brokers, without Kubernetes: one vhost and unique topic names per run.
describe('RabbitMQ topology applier (real RabbitMQ)', () => {
  const vhost = uniqueName('op-appliers');
  const client = managementClient();
  const spec = (ttl?: string): unknown => ({
    rabbitmq: {
      vhost,
      exchanges: [{ name: 'orders', type: 'direct' }, { name: 'priority', type: 'headers' }],
      queues: [
        { name: 'payments', ...(ttl === undefined ? {} : { messageTtl: ttl }), bindings: [{ exchange: 'orders', routingKey: 'pay' }], retry: { maxAttempts: 2 }, deadLetter: { enabled: true } },
        { name: 'vip', bindings: [{ exchange: 'priority', arguments: { 'x-match': 'all', priority: 'high' } }] },
        { name: 'ledger', type: 'quorum' },
      ],
    },
  });
  afterAll(async () => deleteVhost(vhost));

  it('creates exchanges, queues, delay queues, the DLQ and bindings, and is idempotent', async () => {
    const want = desired(pipeline(spec())).rabbitmq!;
    const first = await applyTopology(client, want, { firstApply: true });
    expect(first.problems).toEqual([]);
    expect(first.events.map((e) => e.reason).sort()).toEqual(['BindingCreated', 'BindingCreated', 'ExchangeCreated', 'ExchangeCreated', 'QueueCreated', 'QueueCreated', 'QueueCreated', 'QueueCreated', 'QueueCreated', 'QueueCreated']);
    expect((await client.getQueue(vhost, 'payments.retry.2'))?.arguments).toMatchObject({ 'x-message-ttl': 2000, 'x-dead-letter-routing-key': 'payments' });
    const again = await applyTopology(client, want, { firstApply: false });
    expect(again.events).toEqual([]);
    expect(again.problems).toEqual([]);
  });

  it('routes through the binding, and reports the queue depth', async () => {
    const conn = await connect(`${stackSetting('RABBITMQ_URL')}/${encodeURIComponent(vhost)}`);
    const ch = await conn.createConfirmChannel();
    ch.publish('orders', 'pay', Buffer.from('o-1'), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    const q = await client.getQueue(vhost, 'payments');
    expect(q).toBeDefined();
    // The management API's message counters refresh on the stats interval; the queue itself is the truth here.
    const want = desired(pipeline(spec())).rabbitmq!;
    const result = await applyTopology(client, want, { firstApply: false });
    expect(result.queues.map((x) => x.name)).toContain('payments');
  });

  it('recreates a queue deleted by hand, as drift', async () => {
    await client.deleteQueue(vhost, 'vip');
    const want = desired(pipeline(spec())).rabbitmq!;
    const result = await applyTopology(client, want, { firstApply: false });
    expect(result.events.filter((e) => e.reason === 'DriftRepaired').map((e) => e.message)).toEqual(['recreated queue vip, which was missing on the broker', 'recreated binding priority → vip (no routing key), which was missing on the broker']);
    expect(await client.getQueue(vhost, 'vip')).toBeDefined();
  });

  it('reports arguments RabbitMQ cannot change in place instead of ignoring them', async () => {
    const want = desired(pipeline(spec('30s'))).rabbitmq!;
    const result = await applyTopology(client, want, { firstApply: false });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.reason).toBe('ImmutableQueueArguments');
    expect(result.problems[0]!.message).toContain('x-message-ttl: (unset) → 30000');
    expect((await client.getQueue(vhost, 'payments'))?.arguments['x-message-ttl']).toBeUndefined();
  });

  it('DeleteIfEmpty keeps a queue holding messages; Delete removes it', async () => {
    const want = desired(pipeline(spec())).rabbitmq!;
    const kept = await deleteTopology(client, want, 'DeleteIfEmpty');
    expect(kept.retained).toEqual(['queue payments (holds messages)']);
    expect(await client.getQueue(vhost, 'payments')).toBeDefined();
    expect(await client.getQueue(vhost, 'vip')).toBeUndefined();
    // An empty quorum queue is deleted too (RabbitMQ refuses if-empty for quorum queues).
    expect(kept.deleted).toContain('queue ledger');
    expect(await client.getQueue(vhost, 'ledger')).toBeUndefined();
    const gone = await deleteTopology(client, want, 'Delete');
    expect(gone.retained).toEqual([]);
    expect(await client.getQueue(vhost, 'payments')).toBeUndefined();
  });
});

describe('Kafka topic applier (real Kafka)', () => {
  let admin: kafkajs.Admin;
  const topic = uniqueName('op-appliers');
  const spec = (partitions: number): unknown => ({ kafka: { topics: [{ name: topic, partitions, replicationFactor: 1, config: { 'retention.ms': '3600000' } }] } });
  beforeAll(async () => {
    admin = await kafkaAdmin();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic with partitions and config', async () => {
    const result = await applyTopics(admin, desired(pipeline(spec(2))).kafka.topics, { firstApply: true });
    expect(result.topics).toEqual([{ name: topic, partitions: 2, desiredPartitions: 2 }]);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(2);
  });

  it('grows partitions', async () => {
    const result = await applyTopics(admin, desired(pipeline(spec(4))).kafka.topics, { firstApply: false });
    expect(result.events.map((e) => e.reason)).toEqual(['PartitionsIncreased']);
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions).toHaveLength(4);
  });

  it('refuses a decrease in a problem, never applies it', async () => {
    const result = await applyTopics(admin, desired(pipeline(spec(1))).kafka.topics, { firstApply: false });
    expect(result.problems.map((p) => p.reason)).toEqual(['PartitionDecreaseRefused']);
    expect(result.topics).toEqual([{ name: topic, partitions: 4, desiredPartitions: 1 }]);
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions).toHaveLength(4);
  });

  it('DeleteIfEmpty keeps a topic holding records; Delete removes it', async () => {
    const producer = (await import('kafkajs')).default;
    const kafka = new producer.Kafka({ brokers: stackSetting('KAFKA_BROKERS').split(','), logLevel: producer.logLevel.NOTHING });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic, messages: [{ key: 'o-1', value: 'x' }] });
    await p.disconnect();
    const topics = desired(pipeline(spec(4))).kafka.topics;
    expect(await deleteTopics(admin, topics, 'DeleteIfEmpty')).toEqual({ deleted: [], retained: [`topic ${topic} (holds records)`] });
    expect(await deleteTopics(admin, topics, 'Delete')).toEqual({ deleted: [`topic ${topic}`], retained: [] });
  });
});
