import { randomUUID } from 'node:crypto';
import { createTransactionalProducer, inTransaction, type KafkaClientSettings, type OrderAlertRecord, type OrderStatsRecord } from '@orderflow/kafka';
import { createTestTopics, deleteTestTopics, readTopic, stackSetting, testKafkaSettings, uniqueName, type ReadRecord } from '@orderflow/testkit';

/** The topics one test owns, created with an admin client. */
export interface TestTopics {
  source: string;
  stats: string;
  alerts: string;
  deadLetter: string;
  changelog: string;
}

/** Creates a fresh set of topics (source with `partitions`), and returns their names. */
export async function createAggregatorTopics(settings: KafkaClientSettings, partitions = 3): Promise<TestTopics> {
  const prefix = uniqueName('agg');
  const topics = { source: `${prefix}.order-events`, stats: `${prefix}.order-stats`, alerts: `${prefix}.order-alerts`, deadLetter: `${prefix}.dlt`, changelog: `${prefix}.changelog` };
  await createTestTopics(settings, [
    { name: topics.source, partitions },
    { name: topics.stats, partitions: 1 },
    { name: topics.alerts, partitions: 1 },
    { name: topics.deadLetter, partitions: 1 },
    { name: topics.changelog, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  return topics;
}

export async function deleteAggregatorTopics(settings: KafkaClientSettings, topics: TestTopics): Promise<void> {
  await deleteTestTopics(settings, [topics.source, topics.stats, topics.alerts, topics.deadLetter, topics.changelog]);
}

/** The aggregator's environment for these topics (in-process or as a child process). */
export function aggregatorEnv(topics: TestTopics, extra: Record<string, string> = {}, brokers = stackSetting('KAFKA_BROKERS')): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: brokers,
    ORDERFLOW_KAFKA_GROUP: `${topics.source}.aggregator`,
    // The tests produce before the group exists and count every event, as the pipeline's aggregator does.
    ORDERFLOW_KAFKA_OFFSET_RESET: 'earliest',
    KAFKA_TRANSACTIONAL_ID_PREFIX: `${topics.source}.aggregator`,
    POD_NAME: 'aggregator-0',
    ORDERFLOW_KAFKA_TOPIC: topics.source,
    STATS_TOPIC: topics.stats,
    ALERTS_TOPIC: topics.alerts,
    DEAD_LETTER_TOPIC: topics.deadLetter,
    CHANGELOG_TOPIC: topics.changelog,
    WINDOW_ALLOWED_LATENESS_MS: '30000',
    BATCH_MAX_WAIT_MS: '50',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    LAG_INTERVAL_MS: '500',
    ...extra,
  };
}

/** A synthetic `order.created` event at `occurredAt` (event time is in the event: tests choose it). */
export function orderCreated(occurredAt: number, options: { currency?: string; totalMinor?: number; eventId?: string; orderId?: string } = {}) {
  const orderId = options.orderId ?? randomUUID();
  const totalMinor = options.totalMinor ?? 1_000;
  return {
    eventId: options.eventId ?? randomUUID(),
    occurredAt: new Date(occurredAt).toISOString(),
    orderId,
    type: 'order.created' as const,
    order: {
      id: orderId,
      customerId: 'c-1',
      region: 'eu' as const,
      priority: 'normal' as const,
      currency: options.currency ?? 'EUR',
      totalMinor,
      items: [{ sku: 'A-1', quantity: 1, unitPriceMinor: totalMinor }],
    },
  };
}

/** One record to put on the source topic: an event (keyed by its order id) or raw bytes. */
export type SourceRecord = ReturnType<typeof orderCreated> | { raw: string; key: string };

/** Produces records to the source topic in one transaction, as order-api's relay does. */
export async function produce(settings: KafkaClientSettings, topic: string, records: SourceRecord[], transactionalId = uniqueName('test-source')): Promise<void> {
  const producer = createTransactionalProducer(settings, transactionalId);
  try {
    await inTransaction(producer, (tx) =>
      tx.send({
        messages: records.map((r) =>
          'raw' in r
            ? { topic, key: r.key, value: r.raw }
            : { topic, key: r.orderId, value: JSON.stringify(r), headers: { 'event-id': r.eventId, 'event-type': r.type } },
        ),
      }),
    );
  } finally {
    await producer.close();
  }
}

/** The last record per window on the stats topic (what a consumer of the contract keeps). */
export function lastPerWindow(records: ReadRecord[]): Map<string, OrderStatsRecord> {
  const out = new Map<string, OrderStatsRecord>();
  for (const r of records) out.set(r.key, JSON.parse(r.value) as OrderStatsRecord);
  return out;
}

/** Reads the stats topic until every window in `windows` has a final record. */
export async function finalWindows(settings: KafkaClientSettings, topic: string, windows: string[], timeoutMs = 90_000): Promise<Map<string, OrderStatsRecord>> {
  const records = await readTopic(settings, topic, (got) => windows.every((w) => lastPerWindow(got).get(w)?.final === true), { timeoutMs, what: `final stats for ${windows.length} windows` });
  return lastPerWindow(records);
}

/** Reads the alerts topic until `until` holds. */
export async function alertsUntil(settings: KafkaClientSettings, topic: string, until: (alerts: OrderAlertRecord[]) => boolean): Promise<OrderAlertRecord[]> {
  const records = await readTopic(settings, topic, (got) => until(got.map((r) => JSON.parse(r.value) as OrderAlertRecord)), { what: 'alerts' });
  return records.map((r) => JSON.parse(r.value) as OrderAlertRecord);
}

export { testKafkaSettings };
