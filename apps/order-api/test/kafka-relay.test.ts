import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaUnavailable, createTransactionalProducer, type StringProducer } from '@orderflow/kafka';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { createTestTopics, deleteTestTopics, readTopic, testKafkaSettings, uniqueName } from '@orderflow/testkit';
import { KafkaRelay } from '../src/relay/kafka-relay.ts';
import { OutboxPruner } from '../src/relay/outbox-pruner.ts';
import { createKafkaRelayMetrics } from '../src/relay/kafka-relay-metrics.ts';
import { createHarness, orderBody, testLogger, type Harness } from './support/harness.ts';

const settings = testKafkaSettings('order-api-kafka-relay-test');

describe('outbox relay to Kafka order-events', () => {
  const topic = uniqueName('order-events');
  let h: Harness;
  const producers: StringProducer[] = [];

  function relay(options: { afterKafkaCommit?: (ids: string[]) => Promise<void>; brokers?: string; topic?: string } = {}): KafkaRelay {
    const s = options.brokers === undefined ? settings : testKafkaSettings('order-api-kafka-relay-test', options.brokers);
    return new KafkaRelay({
      pool: h.pool,
      createProducer: () => {
        const p = createTransactionalProducer({ ...s, requestTimeoutMs: 3_000 }, `${topic}-relay`);
        producers.push(p);
        return p;
      },
      logger: testLogger(),
      metrics: createKafkaRelayMetrics(createMetricsRegistry({ defaultMetrics: false })),
      batchSize: 500,
      pollIntervalMs: 100,
      maxBackoffMs: 500,
      transactionTimeoutMs: 5_000,
      topic: options.topic ?? topic,
      ...(options.afterKafkaCommit && { afterKafkaCommit: options.afterKafkaCommit }),
    });
  }

  async function placeOrders(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/orders', headers: { 'idempotency-key': uniqueName('k') }, payload: orderBody({ customerId: `c-${i % 3}` }) });
      expect(res.statusCode).toBe(201);
      ids.push(res.json<{ id: string }>().id);
    }
    return ids;
  }

  async function unsent(): Promise<number> {
    const { rows } = await h.pool.query<{ n: string }>('select count(*) as n from outbox where kafka_published_at is null');
    return Number(rows[0]?.n);
  }

  beforeAll(async () => {
    h = await createHarness();
    await createTestTopics(settings, [{ name: topic, partitions: 3 }]);
  });
  afterAll(async () => {
    for (const p of producers) await p.close().catch(() => undefined);
    await deleteTestTopics(settings, [topic]);
    await h.close();
  });

  it('keeps taking orders while Kafka is unreachable; the rows wait, unsent', async () => {
    // A port nothing listens on: Kafka is down for this relay.
    const down = relay({ brokers: '127.0.0.1:1' });
    const ids = await placeOrders(3);
    const err = await down.publishOnce().then(() => undefined, (e: unknown) => e);
    expect(KafkaUnavailable.is(err)).toBe(true);
    expect(await unsent()).toBe(ids.length);
    // RabbitMQ has them (and long ago): the pruner still keeps them until Kafka has them too.
    await h.pool.query(`update outbox set published_at = now() - interval '2 days'`);
    expect(await new OutboxPruner({ pool: h.pool, logger: testLogger(), retentionMs: 3_600_000, requireKafka: true }).pruneOnce()).toBe(0);
    expect(await unsent()).toBe(ids.length);
    await down.close();
  });

  it('sends each order event once, keyed by order id with event headers, in one transaction per batch', async () => {
    const ids = await placeOrders(6);
    const r = relay();
    while ((await r.publishOnce()) > 0);
    expect(await unsent()).toBe(0);
    const records = await readTopic(settings, topic, (got) => got.length >= 9, { what: '9 order.created events' });
    expect(records).toHaveLength(9);
    const byKey = new Map<string, Set<number>>();
    for (const rec of records) {
      const event = JSON.parse(rec.value) as { eventId: string; orderId: string; type: string };
      expect(rec.key).toBe(event.orderId);
      expect(rec.headers).toEqual({ 'event-id': event.eventId, 'event-type': 'order.created' });
      byKey.set(rec.key, (byKey.get(rec.key) ?? new Set()).add(rec.partition));
    }
    for (const id of ids) expect(byKey.get(id)?.size).toBe(1);
    expect(new Set(records.map((rec) => JSON.parse(rec.value).eventId as string)).size).toBe(9);
    await r.close();
  });

  it('a crash between the Kafka commit and marking the rows re-sends them with the same event ids', async () => {
    const before = (await readTopic(settings, topic, (got) => got.length >= 9)).length;
    await placeOrders(4);
    let crashed = false;
    const crashing = relay({
      afterKafkaCommit: () => {
        if (crashed) return Promise.resolve();
        crashed = true;
        return Promise.reject(new Error('process died after the Kafka commit'));
      },
    });
    await expect(crashing.publishOnce()).rejects.toThrow('process died');
    expect(await unsent()).toBe(4);
    expect(await crashing.publishOnce()).toBe(4);
    expect(await unsent()).toBe(0);
    // read_committed sees both copies of the re-sent batch: duplicates are dropped downstream by event id.
    const records = await readTopic(settings, topic, (got) => got.length >= before + 8, { what: '4 events twice' });
    expect(records).toHaveLength(before + 8);
    const perEvent = new Map<string, number>();
    for (const rec of records) perEvent.set(rec.headers['event-id'] ?? '', (perEvent.get(rec.headers['event-id'] ?? '') ?? 0) + 1);
    expect([...perEvent.values()].filter((n) => n === 2)).toHaveLength(4);
    expect([...perEvent.values()].filter((n) => n === 1)).toHaveLength(before);
    await crashing.close();
  });

  it('two replicas relaying at once: one relays (the other stands by), each event goes out once', async () => {
    const own = `${topic}-replicas`;
    await createTestTopics(settings, [{ name: own, partitions: 3 }]);
    try {
      await placeOrders(30);
      const [a, b] = [relay({ topic: own }), relay({ topic: own })];
      // Both loop until the outbox is empty; the advisory lock lets only one publish at a time.
      const drain = async (r: KafkaRelay): Promise<void> => {
        while ((await unsent()) > 0) await r.publishOnce();
      };
      await Promise.all([drain(a), drain(b)]);
      await a.close();
      await b.close();
      const records = await readTopic(settings, own, (got) => got.length >= 30, { what: '30 events' });
      expect(records).toHaveLength(30);
      expect(new Set(records.map((r) => r.headers['event-id'])).size).toBe(30);
    } finally {
      await deleteTestTopics(settings, [own]);
    }
  });
});
