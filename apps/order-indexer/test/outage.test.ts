import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { createTestTopics, deleteTestTopics, freePort, stackSetting, testKafkaSettings, uniqueName, waitFor } from '@orderflow/testkit';
import { readConfig } from '../src/config.ts';
import { indexNames } from '../src/index-layout.ts';
import { startIndexer, stopIndexer, type StartedIndexer } from '../src/start.ts';
import { generateOrders } from './support/dataset.ts';
import { produceEvents } from './support/kafka-io.ts';
import { OpenSearchNode } from './support/opensearch-node.ts';
import { countDocs } from './support/opensearch.ts';

const OUTAGE_MS = 30_000;
const settings = testKafkaSettings('order-indexer-outage-test');
const topics = { events: uniqueName('order-events'), alerts: uniqueName('order-alerts'), dlt: uniqueName('order-indexer-dlt') };
const names = indexNames('outage');
const logger = createLogger('order-indexer-test', { level: 'warn' });
let node: OpenSearchNode;
let started: StartedIndexer | undefined;
let client: Client;

async function metric(line: RegExp): Promise<number> {
  const text = await (await fetch(`${started!.url}/metrics`)).text();
  return text.split('\n').filter((l) => line.test(l)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

beforeAll(async () => {
  await createTestTopics(settings, [
    { name: topics.events, partitions: 3 },
    { name: topics.alerts, partitions: 1 },
    { name: topics.dlt, partitions: 1 },
  ]);
  // A node of this test's own: stopping it disturbs nobody.
  node = await OpenSearchNode.start();
  client = new Client({ node: node.url });
}, 300_000);

afterAll(async () => {
  if (started !== undefined) await stopIndexer(started, logger);
  await client?.close();
  await node?.destroy();
  await deleteTestTopics(settings, Object.values(topics));
});

describe('OpenSearch down for 30 s', () => {
  it('pauses consumption, loses nothing, shows the lag growing, and drains it once OpenSearch is back', async () => {
    const config = readConfig({
      KAFKA_BROKERS: stackSetting('KAFKA_BROKERS'),
      OPENSEARCH_URL: node.url,
      INDEX_PREFIX: 'outage',
      ORDERFLOW_KAFKA_TOPIC: topics.events,
      ALERTS_TOPIC: topics.alerts,
      DEAD_LETTER_TOPIC: topics.dlt,
      ORDERFLOW_KAFKA_GROUP: uniqueName('indexer-outage'),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      BULK_RETRY_MAX_MS: '1000',
      OPENSEARCH_REQUEST_TIMEOUT_MS: '3000',
      LAG_INTERVAL_MS: '500',
    });
    started = await startIndexer(config, { logger, registry: createMetricsRegistry({ defaultLabels: { service: 'order-indexer' } }) });

    const before = generateOrders(200, { end: new Date(), minutes: 10, seed: 3 }).flatMap((o) => o.events);
    await produceEvents(settings, topics.events, before);
    await waitFor(async () => (await countDocs(client, names.eventsAlias)) === before.length, { timeoutMs: 120_000, intervalMs: 500, what: 'the first events indexed' });

    await node.stop();
    const downSince = Date.now();
    const during = generateOrders(600, { end: new Date(), minutes: 10, seed: 4 }).flatMap((o) => o.events);
    await produceEvents(settings, topics.events, during);

    // Visible while it lasts: back-pressure on, the lag gauge holds what waits, not ready.
    await waitFor(async () => (await metric(/^indexer_backpressure[{ ]/)) === 1 && (await metric(/^kafka_consumer_lag_records\{/)) > 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'back-pressure and lag visible in /metrics',
    });
    const lagDuring = await metric(/^kafka_consumer_lag_records\{/);
    expect((await fetch(`${started.url}/readyz`)).status).toBe(503);
    // The outage itself lasts 30 s (the scenario, not a timing assertion).
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downSince)));
    expect(await metric(/^kafka_consumer_lag_records\{/)).toBeGreaterThanOrEqual(lagDuring);

    await node.resume();
    await waitFor(async () => (await countDocs(client, names.eventsAlias)) === before.length + during.length, {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `all ${before.length + during.length} events indexed after the outage`,
    });
    await waitFor(async () => (await metric(/^kafka_consumer_lag_records\{/)) === 0 && (await metric(/^indexer_backpressure[{ ]/)) === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the lag drained and back-pressure off',
    });
    expect(await metric(/^indexer_records_total\{.*outcome="dead_lettered"/)).toBe(0);
    expect(await countDocs(client, names.orders)).toBe(800);
    // Room for every wait above (a node restart alone took over a minute at load 50).
  }, 720_000);
});
