import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { freePort, spawnAppProcess, type AppProcess } from '@orderflow/testkit';
import { aggregatorEnv, createAggregatorTopics, deleteAggregatorTopics, finalWindows, orderCreated, produce, testKafkaSettings, type SourceRecord, type TestTopics } from './support/streams.ts';

/** The app's workspace: `node src/main.ts` runs there, as hack/run starts it. */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

const settings = testKafkaSettings('aggregator-eos-test');
const T0 = Date.parse('2026-02-01T08:00:00.000Z');
const iso = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

describe('stream aggregator: exactly once under SIGKILL', () => {
  let topics: TestTopics;
  const children: AppProcess[] = [];

  beforeAll(async () => {
    topics = await createAggregatorTopics(settings);
  });
  afterAll(async () => {
    for (const c of children) await c.kill();
    await deleteAggregatorTopics(settings, topics);
  });

  it('counts every input event once per window while the process is killed again and again', async () => {
    // A known stream: orders per minute (minute 2 has none), 10% of events sent twice (as the
    // outbox relay does after a crash before marking its rows), then one event that closes them.
    const perMinute = [300, 250, 0, 400, 350, 200];
    const events: SourceRecord[] = [];
    perMinute.forEach((n, minute) => {
      for (let i = 0; i < n; i++) {
        const e = orderCreated(T0 + minute * 60_000 + Math.floor((i * 59_000) / n), { totalMinor: 100 + (i % 7) });
        events.push(e);
        if (i % 10 === 0) events.push(e);
      }
    });
    const expectedRevenue = perMinute.map((n) => Array.from({ length: n }, (_, i) => 100 + (i % 7)).reduce((a, b) => a + b, 0));

    const env = aggregatorEnv(topics, { POD_NAME: 'aggregator-eos-0', IDLE_PARTITION_MS: '3000', BATCH_MAX_RECORDS: '40' });
    const start = async (): Promise<AppProcess> => {
      const c = spawnAppProcess(APP_DIR, { ...env, PORT: String(await freePort()) });
      children.push(c);
      return c;
    };

    // Produce in small transactions in the background while the aggregator is killed repeatedly.
    const producing = (async () => {
      for (let i = 0; i < events.length; i += 60) {
        await produce(settings, topics.source, events.slice(i, i + 60), 'eos-test-source');
        await sleep(150);
      }
    })();
    let current = await start();
    for (let kill = 0; kill < 5; kill++) {
      // Chaos timing, not an assertion: let it run a little, then kill it mid-stream.
      await sleep(2_500 + kill * 500);
      await current.kill();
      current = await start();
    }
    await producing;
    await produce(settings, topics.source, [orderCreated(T0 + 8 * 60_000)], 'eos-test-source');

    let windows;
    try {
      windows = await finalWindows(settings, topics.stats, perMinute.map((_, m) => iso(m)), 120_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- last aggregator output ---\n${current.output().slice(-4_000)}`, { cause: err });
    }
    perMinute.forEach((n, m) => {
      expect(windows.get(iso(m)), iso(m)).toMatchObject({ orderCount: n, revenueMinorByCurrency: n === 0 ? {} : { EUR: expectedRevenue[m] }, final: true });
    });
    expect(await current.terminate()).toBe(0);
  });
});
