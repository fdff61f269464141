import { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '@orderflow/kafka';
import { createTestTopics, deleteTestTopics, freePort, readTopic, spawnAppProcess, stackSetting, testKafkaSettings, uniqueName, waitFor, type AppProcess } from '@orderflow/testkit';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { readConfig } from '../src/config.ts';
import { startIndexer } from '../src/start.ts';
import { fileURLToPath } from 'node:url';
import { generateOrders } from './support/dataset.ts';
import { produceEvents } from './support/kafka-io.ts';
import { countDocs, dropIndexPrefix, openSearchUrl, rawSearch, testIndexPrefix } from './support/opensearch.ts';

/** The app's workspace: `node src/main.ts` runs there, as hack/run starts it. */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

const settings = testKafkaSettings('order-indexer-test');
const url = openSearchUrl();
const client = new Client({ node: url });
const { prefix, names } = testIndexPrefix();
const topics = { events: uniqueName('order-events'), alerts: uniqueName('order-alerts'), dlt: uniqueName('order-indexer-dlt') };
const children: AppProcess[] = [];

function start(port: number): AppProcess {
  const child = spawnAppProcess(APP_DIR, {
    KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'),
    OPENSEARCH_URL: url,
    INDEX_PREFIX: prefix,
    ORDERFLOW_KAFKA_TOPIC: topics.events,
    ALERTS_TOPIC: topics.alerts,
    DEAD_LETTER_TOPIC: topics.dlt,
    ORDERFLOW_KAFKA_GROUP: `${prefix}-group`,
    POD_NAME: `${prefix}-pod`,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Small batches: the SIGKILL lands between commits, with uncommitted bulk writes behind it.
    BATCH_MAX_RECORDS: '100',
    LAG_INTERVAL_MS: '500',
    LOG_LEVEL: 'warn',
  });
  children.push(child);
  return child;
}

async function metric(port: number, line: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => line.test(l)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

beforeAll(async () => {
  await createTestTopics(settings, [
    { name: topics.events, partitions: 3 },
    { name: topics.alerts, partitions: 1 },
    { name: topics.dlt, partitions: 1 },
  ]);
});

afterAll(async () => {
  for (const c of children) await c.kill();
  await deleteTestTopics(settings, Object.values(topics));
  await dropIndexPrefix(url, prefix);
  await client.close();
});

describe('order indexer (real Kafka and OpenSearch)', () => {
  it('indexes every event exactly once across a SIGKILL and a restart, and keeps each order at its newest status', async () => {
    const orders = generateOrders(1_500, { end: new Date(), minutes: 90, seed: 11 });
    const events = orders.flatMap((o) => o.events);
    // The relay may publish an event again later (a retry after a lost acknowledgement), after
    // newer events of the same order: same event id, and it must not move the order back.
    const republished = orders.slice(0, 300).flatMap((o) => o.events.slice(0, -1));
    await produceEvents(settings, topics.events, [...events, ...republished]);

    const port = await freePort();
    const first = start(port);
    // Some, not all, indexed: the kill interrupts the run mid-topic.
    await waitFor(async () => (await metric(port, /^indexer_records_total\{.*outcome="indexed"/)) >= 500, { timeoutMs: 120_000, what: 'first indexed batches' });
    await first.kill();
    const afterKill = await countDocs(client, names.eventsAlias);
    expect(afterKill).toBeLessThan(events.length);

    const port2 = await freePort();
    const second = start(port2);
    await waitFor(async () => (await countDocs(client, names.eventsAlias)) === events.length && (await metric(port2, /^kafka_consumer_lag_records\{/)) === 0 && (await metric(port2, /^indexer_records_total\{/)) > 0, {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `all ${events.length} events indexed and the lag at 0 (${second.output().slice(-500)})`,
    });

    // Every event id once: the replayed records (uncommitted at the kill, and the republished
    // ones) were recognised as duplicates, not indexed again.
    const { aggregations: aggs } = await rawSearch<{ aggregations: { dup: { buckets: unknown[] } } }>(client, names.eventsAlias, {
      size: 0,
      aggs: { dup: { terms: { field: 'eventId', min_doc_count: 2, size: 1 } } },
    });
    expect(aggs.dup.buckets).toEqual([]);
    // Exactly the produced ids (an exact terms match, not the approximate cardinality aggregation).
    expect(await countDocs(client, names.eventsAlias, { terms: { eventId: events.map((e) => e.eventId) } })).toBe(events.length);
    expect(await metric(port2, /^indexer_records_total\{.*outcome="duplicate"/)).toBeGreaterThanOrEqual(republished.length);

    // The current-state documents: one per order, each at the status of its newest event.
    expect(await countDocs(client, names.orders)).toBe(orders.length);
    const byStatus = await rawSearch<{ aggregations: { s: { buckets: { key: string; doc_count: number }[] } } }>(client, names.orders, { size: 0, aggs: { s: { terms: { field: 'status' } } } });
    const counts = Object.fromEntries(byStatus.aggregations.s.buckets.map((b) => [b.key, b.doc_count]));
    const expected: Record<string, number> = {};
    for (const o of orders) expected[o.status] = (expected[o.status] ?? 0) + 1;
    expect(counts).toEqual(expected);
  }, 420_000);

  it('dead-letters a document OpenSearch rejects (mapping violation) with the reason, and indexes what follows', async () => {
    const [good] = generateOrders(1, { end: new Date(), minutes: 1, seed: 5 });
    const created = good!.events[0]!;
    const violating = { ...created, eventId: crypto.randomUUID(), orderId: crypto.randomUUID(), order: { ...(created as { order: object }).order, totalMinor: 'a lot' } };
    const notJson = { raw: '{"eventId": broken', key: 'k' };
    await produceEvents(settings, topics.events, [violating, notJson, ...good!.events]);
    const port = await freePort();
    start(port);

    const dead = await readTopic(settings, topics.dlt, (r) => r.length >= 2, { timeoutMs: 120_000, what: 'two dead letters' });
    const rejected = dead.find((r) => r.headers[DEAD_LETTER_HEADERS.code] === 'INDEXER_ERR_DOCUMENT_REJECTED');
    expect(rejected?.value).toBe(JSON.stringify(violating));
    expect(rejected?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/totalMinor/);
    expect(rejected?.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(topics.events);
    expect(dead.find((r) => r.headers[DEAD_LETTER_HEADERS.code] === 'INDEXER_ERR_EVENT_NOT_JSON')?.value).toBe(notJson.raw);

    // The records after the rejected ones were indexed: the partition did not stall on them.
    await waitFor(async () => (await countDocs(client, names.orders, { term: { orderId: good!.id } })) === 1, { timeoutMs: 60_000, what: 'the good order indexed' });
    expect(await countDocs(client, names.eventsAlias, { term: { eventId: violating.eventId } })).toBe(0);
  });

  it('refuses to start when its dead-letter topic does not exist (topics are declared, never auto-created)', async () => {
    const config = readConfig({
      KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'),
      OPENSEARCH_URL: url,
      INDEX_PREFIX: prefix,
      ORDERFLOW_KAFKA_TOPIC: topics.events,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: uniqueName('missing-dlt'),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
    });
    await expect(startIndexer(config, { logger: createLogger('order-indexer-test', { level: 'fatal' }), registry: createMetricsRegistry() })).rejects.toMatchObject({ code: 'KAFKA_ERR_TOPIC_MISSING' });
  });
});
