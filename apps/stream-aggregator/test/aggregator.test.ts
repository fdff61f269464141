import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { freePort, readTopic, waitFor } from '@orderflow/testkit';
import { readConfig } from '../src/config.ts';
import { startAggregator, stopAggregator, type StartedAggregator } from '../src/start.ts';
import { aggregatorEnv, alertsUntil, createAggregatorTopics, deleteAggregatorTopics, finalWindows, orderCreated, produce, testKafkaSettings, type TestTopics } from './support/streams.ts';

const settings = testKafkaSettings('aggregator-test');
const quiet = createLogger('stream-aggregator-test', { level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (minute: number, second: number): number => T0 + minute * 60_000 + second * 1_000;
const iso = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

async function start(topics: TestTopics, extra: Record<string, string> = {}): Promise<StartedAggregator> {
  const config = readConfig(aggregatorEnv(topics, { PORT: String(await freePort()), IDLE_PARTITION_MS: '2000', ...extra }));
  return startAggregator(config, { logger: quiet, registry: createMetricsRegistry({ defaultMetrics: false }) });
}

describe('stream aggregator: figures of a synthetic stream', () => {
  let topics: TestTopics;
  let agg: StartedAggregator;

  beforeAll(async () => {
    topics = await createAggregatorTopics(settings);
    agg = await start(topics);
  });
  afterAll(async () => {
    await stopAggregator(agg, quiet);
    await deleteAggregatorTopics(settings, topics);
  });

  it('counts known orders per minute with late, out-of-order, duplicate and empty minutes; poison goes to the dead-letter topic', async () => {
    const dup = orderCreated(at(0, 40), { totalMinor: 250 });
    await produce(settings, topics.source, [
      orderCreated(at(0, 1), { totalMinor: 100 }),
      orderCreated(at(0, 20), { totalMinor: 200, currency: 'USD' }),
      dup,
      // Minute 1 before the rest of minute 0 (out of order) ...
      orderCreated(at(1, 10), { totalMinor: 1 }),
      { raw: 'not json {', key: 'poison-1' },
      orderCreated(at(0, 59), { totalMinor: 50 }),
      // ... a re-sent event (same id: the relay crashed before marking its row) ...
      dup,
      { raw: JSON.stringify({ type: 'order.created', eventId: 'nope' }), key: 'poison-2' },
      // ... and, after the minute ended, an event for it within the 30 s allowed lateness.
      orderCreated(at(1, 25), { totalMinor: 2 }),
      orderCreated(at(0, 30), { totalMinor: 25 }),
    ]);
    // Event time moves to 10:04:40 (the other partitions go idle): minutes 0..3 become final,
    // 2 and 3 without orders. Then an event for minute 1 arrives, beyond the lateness: dropped.
    await produce(settings, topics.source, [orderCreated(at(4, 40), { totalMinor: 7 })]);
    await finalWindows(settings, topics.stats, [iso(0), iso(1), iso(2), iso(3)]);
    await produce(settings, topics.source, [orderCreated(at(1, 30), { totalMinor: 1_000_000 })]);
    await waitFor(async () => /aggregator_events_total\{outcome="late"\} 1/.test((await agg.app.inject({ method: 'GET', url: '/metrics' })).body), { what: 'the late event counted as late' });

    const windows = await finalWindows(settings, topics.stats, [iso(0), iso(1), iso(2), iso(3)]);
    expect(windows.get(iso(0))).toMatchObject({ orderCount: 5, revenueMinorByCurrency: { EUR: 425, USD: 200 }, final: true, windowEnd: iso(1) });
    expect(windows.get(iso(0))?.tps).toBeCloseTo(5 / 60);
    expect(windows.get(iso(1))).toMatchObject({ orderCount: 2, revenueMinorByCurrency: { EUR: 3 }, final: true });
    expect(windows.get(iso(2))).toMatchObject({ orderCount: 0, revenueMinorByCurrency: {}, final: true });
    expect(windows.get(iso(3))).toMatchObject({ orderCount: 0, final: true });
    expect(windows.get(iso(4))).toMatchObject({ orderCount: 1, final: false });

    const dead = await readTopic(settings, topics.deadLetter, (got) => got.length >= 2, { what: '2 dead letters' });
    expect(dead.map((d) => [d.key, d.headers['dlt-code']]).sort()).toEqual([
      ['poison-1', 'AGGREGATOR_ERR_EVENT_NOT_JSON'],
      ['poison-2', 'AGGREGATOR_ERR_EVENT_SCHEMA'],
    ]);
    expect(dead.find((d) => d.key === 'poison-1')?.headers['dlt-reason']).toMatch(/not JSON/);
    expect(dead.every((d) => d.headers['dlt-source-topic'] === topics.source)).toBe(true);

    // The API serves what was committed, newest first.
    const res = await agg.app.inject({ method: 'GET', url: '/stats?limit=10' });
    expect(res.statusCode).toBe(200);
    const served = res.json<{ windowStart: string; orderCount: number }[]>();
    expect(served.map((s) => [s.windowStart, s.orderCount])).toEqual([
      [iso(4), 1],
      [iso(3), 0],
      [iso(2), 0],
      [iso(1), 2],
      [iso(0), 5],
    ]);
    const metrics = await agg.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/aggregator_events_total\{outcome="late"\} 1/);
    expect(metrics.body).toMatch(/aggregator_events_total\{outcome="duplicate"\} 1/);
    expect(metrics.body).toMatch(/aggregator_events_total\{outcome="dead_lettered"\} 2/);
    await waitFor(async () => /kafka_consumer_lag_records\{topic="[^"]+",partition="0"/.test((await agg.app.inject({ method: 'GET', url: '/metrics' })).body), { what: 'per-partition lag series' });
  });
  it('streams committed window updates as server-sent events', async () => {
    const res = await fetch(`${agg.url}/stream`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const body = res.body;
    if (body === null) throw new Error('no body');
    const reader = body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let text = '';
    const ac = new AbortController();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        if (ac.signal.aborted) return;
      }
    })();
    // The current picture first (the windows so far), then live updates.
    await waitFor(() => text.includes(`"windowStart":"${iso(0)}"`), { what: 'the current windows on connect' });
    await produce(settings, topics.source, [orderCreated(at(5, 5), { totalMinor: 3 })]);
    await waitFor(() => text.includes(`event: stats\ndata: {"windowStart":"${iso(5)}"`), { what: 'a live update for minute 5' });
    ac.abort();
    await reader.cancel();
    await reading.catch(() => undefined);
  });
});

describe('stream aggregator: anomalies', () => {
  let topics: TestTopics;
  let agg: StartedAggregator;

  beforeAll(async () => {
    topics = await createAggregatorTopics(settings);
    agg = await start(topics, { ALERT_THRESHOLD_HIGH: '40', ALERT_SIGMA_MIN_WINDOWS: '5', WINDOW_ALLOWED_LATENESS_MS: '0' });
  });
  afterAll(async () => {
    await stopAggregator(agg, quiet);
    await deleteAggregatorTopics(settings, topics);
  });

  it('fire for a spike and a drop, not for steady traffic', async () => {
    // Minutes 0..7 steady (10 or 11 orders), 8 a drop (0), 9 a spike (45), 10 steady, 11 closes 10.
    // (A spike first would widen the spread so much that the drop after it is within 3 sigma.)
    const perMinute = [10, 11, 10, 10, 11, 10, 10, 11, 0, 45, 10, 1];
    const events = perMinute.flatMap((n, minute) => Array.from({ length: n }, (_, i) => orderCreated(at(minute, Math.floor((i * 59) / Math.max(n, 1))))));
    await produce(settings, topics.source, events);
    // Minute 10 final means every alert up to it has been committed (same or earlier transactions).
    await finalWindows(settings, topics.stats, [iso(10)]);
    const all = await alertsUntil(settings, topics.alerts, (got) => got.length >= 3);
    expect(all.map((a) => a.alertId).sort()).toEqual([`sigma_high:${iso(9)}`, `sigma_low:${iso(8)}`, `threshold_high:${iso(9)}`].sort());
    expect(all.find((a) => a.kind === 'sigma_low')).toMatchObject({ observed: 0, expected: 10.38, windowStart: iso(8) });
    const spike = all.find((a) => a.kind === 'sigma_high');
    expect(spike).toMatchObject({ observed: 45, windowStart: iso(9) });
    expect(spike?.expected).toBeCloseTo(9.22, 2);
    const res = await agg.app.inject({ method: 'GET', url: '/alerts' });
    expect(res.json<{ alertId: string }[]>().map((a) => a.alertId).sort()).toEqual(all.map((a) => a.alertId).sort());
  });
});
