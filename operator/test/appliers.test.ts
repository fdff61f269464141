import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, type Admin } from '@platformatic/kafka';
import { connect } from 'amqplib';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { desired } from '../src/desired.ts';
import { applyTopology } from '../src/rabbitmq/topology-applier.ts';
import { deleteTopology } from '../src/rabbitmq/topology-cleanup.ts';
import { applyTopics, deleteTopics } from '../src/kafka/topic-applier.ts';
import { partitionCounts } from '../src/kafka/topic-offsets.ts';
import { pipeline } from './fixtures.ts';
import { deleteVhost, kafkaAdmin, managementClient, produce, publishTo, purgeQueue } from './brokers.ts';

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

  it('DeleteIfEmpty deletes nothing while any queue of the pipeline holds messages; Delete removes them all', async () => {
    const want = desired(pipeline(spec())).rabbitmq!;
    const kept = await deleteTopology(client, want, 'DeleteIfEmpty');
    expect(kept.deleted).toEqual([]);
    expect(kept.holding).toEqual([{ name: 'payments', messages: 1 }]);
    for (const q of want.queues) expect(await client.getQueue(vhost, q.name), q.name).toBeDefined();
    const gone = await deleteTopology(client, want, 'Delete');
    expect(gone.retained).toEqual([]);
    for (const q of want.queues) expect(await client.getQueue(vhost, q.name), q.name).toBeUndefined();
  });
});

describe('DeleteIfEmpty cleanup of a queue group (real RabbitMQ)', () => {
  const vhost = uniqueName('op-cleanup');
  const client = managementClient();
  // Delay queues that hold a message for an hour: it stays put for the whole test.
  const want = desired(
    pipeline({
      rabbitmq: {
        vhost,
        exchanges: [{ name: 'in', type: 'direct' }],
        queues: [
          { name: 'work', bindings: [{ exchange: 'in', routingKey: 'w' }], retry: { maxAttempts: 2, backoff: { initial: '1h', max: '1h' } }, deadLetter: { enabled: true } },
          { name: 'audit', type: 'quorum' },
        ],
      },
    }),
  ).rabbitmq!;
  afterAll(async () => deleteVhost(vhost));

  it('keeps every queue while a message waits in a delay queue and the work queue is empty', async () => {
    expect((await applyTopology(client, want, { firstApply: true })).problems).toEqual([]);
    await publishTo(vhost, 'work.retry.1', 'waiting for its retry');
    // At once, before the management API's counters show the message: the if-empty delete is
    // refused and whatever this pass deleted is declared again.
    const racing = await deleteTopology(client, want, 'DeleteIfEmpty');
    expect(racing.deleted).toEqual([]);
    expect(racing.holding).toEqual([{ name: 'work.retry.1', messages: 1 }]);
    for (const q of want.queues) expect(await client.getQueue(vhost, q.name), q.name).toBeDefined();
    expect(await client.getExchange(vhost, 'in')).toBeDefined();
    // Once the counters show it, the check before any deletion finds it.
    await waitFor(async () => (await client.getQueue(vhost, 'work.retry.1'))?.messages === 1, { what: 'the management API to count the waiting message', timeoutMs: 30_000 });
    const checked = await deleteTopology(client, want, 'DeleteIfEmpty');
    expect(checked).toEqual({ deleted: [], retained: ['queue work', 'queue work.dlq', 'queue work.retry.1', 'queue work.retry.2', 'queue audit', 'exchange in'], holding: [{ name: 'work.retry.1', messages: 1 }] });
    for (const q of want.queues) expect(await client.getQueue(vhost, q.name), q.name).toBeDefined();
    expect((await client.getQueue(vhost, 'work'))?.arguments['x-dead-letter-routing-key']).toBe('work.dlq');
  });

  it('deletes the whole group (the empty quorum queue too) once every queue is empty', async () => {
    await purgeQueue(vhost, 'work.retry.1');
    await waitFor(async () => (await client.getQueue(vhost, 'work.retry.1'))?.messages === 0, { what: 'the purge to show', timeoutMs: 30_000 });
    const result = await deleteTopology(client, want, 'DeleteIfEmpty');
    expect(result.holding).toEqual([]);
    expect(result.deleted).toEqual(['queue work', 'queue work.dlq', 'queue work.retry.1', 'queue work.retry.2', 'queue audit', 'exchange in']);
    for (const q of want.queues) expect(await client.getQueue(vhost, q.name), q.name).toBeUndefined();
    expect(await client.getExchange(vhost, 'in')).toBeUndefined();
  });
});

describe('Kafka topic applier (real Kafka)', () => {
  let admin: Admin;
  const topic = uniqueName('op-appliers');
  const spec = (partitions: number, retentionMs = '3600000'): unknown => ({ kafka: { topics: [{ name: topic, partitions, replicationFactor: 1, config: { 'retention.ms': retentionMs } }] } });
  const partitionsOf = async (name: string): Promise<number> => (await partitionCounts(admin, [name])).get(name)!;
  const topicConfig = async (name: string, keys: string[]): Promise<Record<string, string | null | undefined>> => {
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configurationKeys: keys }] });
    return Object.fromEntries((described?.configs ?? []).map((c) => [c.name, c.value]));
  };
  beforeAll(() => {
    admin = kafkaAdmin();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close();
  });

  it('creates a topic with partitions and config', async () => {
    const result = await applyTopics(admin, desired(pipeline(spec(2))).kafka.topics, { firstApply: true });
    expect(result.topics).toEqual([{ name: topic, partitions: 2, desiredPartitions: 2 }]);
    expect(await partitionsOf(topic)).toBe(2);
    expect(await topicConfig(topic, ['retention.ms'])).toEqual({ 'retention.ms': '3600000' });
  });

  it('grows partitions', async () => {
    const result = await applyTopics(admin, desired(pipeline(spec(4))).kafka.topics, { firstApply: false });
    expect(result.events.map((e) => e.reason)).toEqual(['PartitionsIncreased']);
    // The controller acknowledges the growth first; the broker's metadata follows a moment
    // later (read too early on a loaded box it still says 2, and so would the next test's applier).
    await waitFor(async () => (await partitionsOf(topic)) === 4, { what: 'the broker to report 4 partitions', timeoutMs: 15_000 });
  });

  it('refuses a decrease in a problem, never applies it', async () => {
    const result = await applyTopics(admin, desired(pipeline(spec(1))).kafka.topics, { firstApply: false });
    expect(result.problems.map((p) => p.reason)).toEqual(['PartitionDecreaseRefused']);
    expect(result.topics).toEqual([{ name: topic, partitions: 4, desiredPartitions: 1 }]);
    expect(await partitionsOf(topic)).toBe(4);
  });

  it('changes only the config keys the spec names: a setting made by hand survives a reconcile that changes another', async () => {
    await admin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'max.message.bytes', value: '2097152', configOperation: IncrementalAlterConfigOperationTypes.SET }] }],
    });
    const result = await applyTopics(admin, desired(pipeline(spec(4, '7200000'))).kafka.topics, { firstApply: false });
    expect(result.events.map((e) => e.message)).toEqual([`topic ${topic}: set retention.ms=7200000`]);
    expect(await topicConfig(topic, ['retention.ms', 'max.message.bytes'])).toEqual({ 'retention.ms': '7200000', 'max.message.bytes': '2097152' });
  });

  it('grows the partitions of two topics reconciled at the same time (one client, concurrent pipelines)', async () => {
    const others = [uniqueName('op-grow-a'), uniqueName('op-grow-b')];
    const decl = (name: string, partitions: number): unknown => ({ kafka: { topics: [{ name, partitions, replicationFactor: 1 }] } });
    try {
      await Promise.all(others.map(async (name) => applyTopics(admin, desired(pipeline(decl(name, 1))).kafka.topics, { firstApply: true })));
      const grown = await Promise.all(others.map(async (name) => applyTopics(admin, desired(pipeline(decl(name, 3))).kafka.topics, { firstApply: false })));
      expect(grown.map((r) => r.events.map((e) => e.reason))).toEqual([['PartitionsIncreased'], ['PartitionsIncreased']]);
      for (const name of others) await waitFor(async () => (await partitionsOf(name)) === 3, { what: `${name} to report 3 partitions`, timeoutMs: 15_000 });
    } finally {
      await admin.deleteTopics({ topics: others }).catch(() => undefined);
    }
  });

  it('DeleteIfEmpty keeps a topic holding records; Delete removes it', async () => {
    await produce(topic, [{ key: 'o-1', value: 'x' }]);
    const topics = desired(pipeline(spec(4))).kafka.topics;
    expect(await deleteTopics(admin, topics, 'DeleteIfEmpty')).toEqual({ deleted: [], retained: [`topic ${topic} (holds records)`] });
    expect(await deleteTopics(admin, topics, 'Delete')).toEqual({ deleted: [`topic ${topic}`], retained: [] });
  });
});
