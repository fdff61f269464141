import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, type TestVhost, createTestDatabase, createTestTopics, createTestVhost, deleteTestTopics, readTopic, stackSetting, testKafkaSettings, uniqueName, waitFor } from '@orderflow/testkit';
import { orderBody } from './support/harness.ts';
import { startRunningApi, type RunningApi } from './support/running-api.ts';

// The composition main.ts runs (startOrderApi) with Kafka publishing on.
describe('order-api with Kafka publishing on', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const apis: RunningApi[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('order_api_kafka');
    vhost = await createTestVhost('kafka-outage');
  });
  afterAll(async () => {
    for (const a of apis) await a.stop();
    await vhost.drop();
    await db.drop();
  });

  async function post(api: RunningApi): Promise<number> {
    const res = await fetch(`${api.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': uniqueName('k') }, body: JSON.stringify(orderBody()) });
    return res.status;
  }

  it('takes orders and relays them to RabbitMQ while Kafka is down; readiness says degraded, not down; then Kafka gets them', async () => {
    const common = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, KAFKA_PUBLISH_ENABLED: 'true', RELAY_MAX_BACKOFF_MS: '300', KAFKA_TRANSACTION_TIMEOUT_MS: '2000' };
    const down = await startRunningApi({ ...common, KAFKA_BROKERS: '127.0.0.1:1' });
    apis.push(down);
    for (let i = 0; i < 5; i++) expect(await post(down)).toBe(201);
    // RabbitMQ's relay is not held back by Kafka's.
    await waitFor(async () => Number((await down.parts.pool.query<{ n: string }>('select count(*) as n from outbox where published_at is not null')).rows[0]?.n) === 5, { what: 'RabbitMQ relay to publish' });
    const ready = await waitFor(async () => {
      const r = await fetch(`${down.url}/readyz`);
      const body = (await r.json()) as { status: string; checks: { name: string; ok: boolean }[] };
      return body.checks.some((c) => c.name === 'outbox-kafka-relay' && !c.ok) ? { status: r.status, body } : undefined;
    }, { what: 'the Kafka relay check to fail' });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    const { rows } = await down.parts.pool.query<{ n: string }>('select count(*) as n from outbox where kafka_published_at is null');
    expect(Number(rows[0]?.n)).toBe(5);
    await down.stop();

    // Kafka back (the real broker): the rows that waited go out.
    const settings = testKafkaSettings('order-api-kafka-outage-test');
    const topic = uniqueName('order-events');
    await createTestTopics(settings, [{ name: topic, partitions: 3 }]);
    try {
      const up = await startRunningApi({ ...common, KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'), KAFKA_ORDER_EVENTS_TOPIC: topic, KAFKA_TRANSACTIONAL_ID: `${topic}.relay` });
      apis.push(up);
      const records = await readTopic(settings, topic, (got) => got.length >= 5, { what: 'the 5 waiting events' });
      expect(new Set(records.map((r) => r.headers['event-id'])).size).toBe(5);
    } finally {
      await deleteTestTopics(settings, [topic]);
    }
  });
});
