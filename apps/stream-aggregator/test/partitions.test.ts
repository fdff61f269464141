import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionsShrink, createAdmin, growPartitions, partitionCounts } from '@orderflow/kafka';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { freePort, readTopic, waitFor } from '@orderflow/testkit';
import { readConfig } from '../src/config.ts';
import { startAggregator, stopAggregator, type StartedAggregator } from '../src/start.ts';
import { aggregatorEnv, createAggregatorTopics, deleteAggregatorTopics, finalWindows, orderCreated, produce, testKafkaSettings, type TestTopics } from './support/streams.ts';

const settings = testKafkaSettings('aggregator-partitions-test');
const quiet = createLogger('stream-aggregator-test', { level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const T0 = Date.parse('2026-04-01T09:00:00.000Z');
const iso = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();
const minuteOf = (minute: number, n: number) => Array.from({ length: n }, (_, i) => orderCreated(T0 + minute * 60_000 + Math.floor((i * 59_000) / n)));

describe('adding partitions to order-events while the aggregator runs', () => {
  let topics: TestTopics;
  let agg: StartedAggregator;
  const admin = createAdmin(settings);

  beforeAll(async () => {
    topics = await createAggregatorTopics(settings, 2);
    const config = readConfig(aggregatorEnv(topics, { PORT: String(await freePort()), IDLE_PARTITION_MS: '3000', LAG_INTERVAL_MS: '300' }));
    agg = await startAggregator(config, { logger: quiet, registry: createMetricsRegistry({ defaultMetrics: false }) });
  });
  afterAll(async () => {
    await stopAggregator(agg, quiet);
    await deleteAggregatorTopics(settings, topics);
    await admin.close();
  });

  it('grows 2 -> 4 (never shrinks); events on the new partitions are counted, each once', async () => {
    await produce(settings, topics.source, [...minuteOf(0, 100), ...minuteOf(1, 50)]);
    await finalWindows(settings, topics.stats, []);

    await growPartitions(admin, topics.source, 4);
    expect((await partitionCounts(admin, [topics.source])).get(topics.source)).toBe(4);
    const shrink = await growPartitions(admin, topics.source, 3).catch((e: unknown) => e);
    expect(PartitionsShrink.is(shrink)).toBe(true);

    // The documented procedure: grow, then the aggregator picks the new partitions up (it checks
    // every LAG_INTERVAL_MS and rejoins) and reports their lag. In real time that takes far less
    // than the allowed lateness; this test's event times are synthetic, so it waits for it.
    await waitFor(async () => /kafka_consumer_lag_records\{[^}]*partition="3"/.test((await agg.app.inject({ method: 'GET', url: '/metrics' })).body), { timeoutMs: 60_000, what: 'lag reported for the new partition 3' });
    // After the growth some keys hash to the new partitions 2 and 3.
    const later = [...minuteOf(1, 50), ...minuteOf(2, 80)];
    await produce(settings, topics.source, later);
    await produce(settings, topics.source, [orderCreated(T0 + 4 * 60_000)]);
    const source = await readTopic(settings, topics.source, (got) => got.length >= 281, { what: 'all source records' });
    const laterIds = new Set(later.map((e) => e.orderId));
    expect(source.some((r) => laterIds.has(r.key) && r.partition >= 2)).toBe(true);

    const windows = await finalWindows(settings, topics.stats, [iso(0), iso(1), iso(2)], 120_000);
    expect(windows.get(iso(0))).toMatchObject({ orderCount: 100, final: true });
    expect(windows.get(iso(1))).toMatchObject({ orderCount: 100, final: true });
    expect(windows.get(iso(2))).toMatchObject({ orderCount: 80, final: true });
  });
});
