import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { OffsetResetPolicy } from '@orderflow/consumer-contract';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { freePort, waitFor } from '@orderflow/testkit';
import { readConfig } from '../src/config.ts';
import { startAggregator, stopAggregator, type StartedAggregator } from '../src/start.ts';
import { aggregatorEnv, createAggregatorTopics, deleteAggregatorTopics, finalWindows, orderCreated, produce, testKafkaSettings, type TestTopics } from './support/streams.ts';

// ORDERFLOW_KAFKA_OFFSET_RESET (the pipeline's source.offsetResetPolicy, which the operator's
// lag assumes) decides where a group without committed offsets starts: `latest` skips what the
// topic held before the group existed, `earliest` counts it.

const settings = testKafkaSettings('aggregator-offset-reset-test');
const quiet = createLogger('stream-aggregator-test', { level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (minute: number, second: number): number => T0 + minute * 60_000 + second * 1_000;
const MINUTE_0 = new Date(T0).toISOString();
// Probe orders carry their own currency so the figures for EUR are only the orders under test.
const PROBE_CURRENCY = 'CHF';

describe('stream aggregator: the offset reset policy of a new group', () => {
  let topics: TestTopics | undefined;
  let agg: StartedAggregator | undefined;

  afterEach(async () => {
    if (agg !== undefined) await stopAggregator(agg, quiet);
    if (topics !== undefined) await deleteAggregatorTopics(settings, topics);
    agg = undefined;
    topics = undefined;
  });

  /**
   * 3 EUR orders (100 each) before the aggregator's group exists, then 2 (10 each) once it
   * consumes; returns minute 0's final EUR revenue.
   */
  async function eurRevenueOfMinute0(policy: OffsetResetPolicy): Promise<number | undefined> {
    topics = await createAggregatorTopics(settings);
    const t = topics;
    await produce(settings, t.source, [0, 1, 2].map((i) => orderCreated(at(0, 10 + i), { totalMinor: 100 })));
    const config = readConfig(aggregatorEnv(t, { PORT: String(await freePort()), IDLE_PARTITION_MS: '2000', ORDERFLOW_KAFKA_OFFSET_RESET: policy }));
    expect(config.ORDERFLOW_KAFKA_OFFSET_RESET).toBe(policy);
    const started = await startAggregator(config, { logger: quiet, registry: createMetricsRegistry({ defaultMetrics: false }) });
    agg = started;
    // Consuming for sure (its start offsets fixed) once a probe sent now is counted; with
    // `latest` a probe sent before that is skipped like the early orders, so send until one is seen.
    await waitFor(
      async () => {
        await produce(settings, t.source, [orderCreated(at(0, 20), { totalMinor: 1, currency: PROBE_CURRENCY })]);
        const current = (await started.app.inject({ method: 'GET', url: '/stats/current' })).json<{ revenueMinorByCurrency: Record<string, number> } | null>();
        return (current?.revenueMinorByCurrency[PROBE_CURRENCY] ?? 0) > 0;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: 'the aggregator counting a probe order' },
    );
    await produce(settings, t.source, [orderCreated(at(0, 40), { totalMinor: 10 }), orderCreated(at(0, 50), { totalMinor: 10 })]);
    // Event time past minute 0's end and its 30 s lateness: minute 0 becomes final.
    await produce(settings, t.source, [orderCreated(at(2, 0), { totalMinor: 1, currency: PROBE_CURRENCY })]);
    return (await finalWindows(settings, t.stats, [MINUTE_0])).get(MINUTE_0)?.revenueMinorByCurrency.EUR;
  }

  it('latest: orders sent before the group existed are not counted, those after are', async () => {
    expect(await eurRevenueOfMinute0('latest')).toBe(20);
  });

  it('earliest: orders sent before the group existed are counted too', async () => {
    expect(await eurRevenueOfMinute0('earliest')).toBe(320);
  });
});
