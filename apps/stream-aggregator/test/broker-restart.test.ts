import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransactionalProducer, inTransaction, type StringProducer } from '@orderflow/kafka';
import { createLogger } from '@orderflow/logging';
import { createMetricsRegistry } from '@orderflow/telemetry';
import { freePort, startKafkaNode, type KafkaNode } from '@orderflow/testkit';
import { readConfig } from '../src/config.ts';
import { startAggregator, stopAggregator, type StartedAggregator } from '../src/start.ts';
import { aggregatorEnv, createAggregatorTopics, finalWindows, orderCreated, testKafkaSettings, type TestTopics } from './support/streams.ts';

const quiet = createLogger('stream-aggregator-test', { level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

describe('broker restart mid-stream (a private Kafka node on 19092)', () => {
  let node: KafkaNode;
  let topics: TestTopics;
  let agg: StartedAggregator;
  let settings: ReturnType<typeof testKafkaSettings>;

  beforeAll(async () => {
    node = await startKafkaNode({ port: 19092, controllerPort: 19093 });
    settings = testKafkaSettings('broker-restart-test', node.brokers);
    topics = await createAggregatorTopics(settings);
    const config = readConfig(aggregatorEnv(topics, { PORT: String(await freePort()), IDLE_PARTITION_MS: '3000', KAFKA_TRANSACTION_TIMEOUT_MS: '5000' }, node.brokers));
    agg = await startAggregator(config, { logger: quiet, registry: createMetricsRegistry({ defaultMetrics: false }) });
  });
  afterAll(async () => {
    await stopAggregator(agg, quiet);
    await node.destroy();
  });

  it('producer and aggregator recover; nothing lost, nothing counted twice', async () => {
    const perMinute = [120, 90, 150];
    const events = perMinute.flatMap((n, minute) => Array.from({ length: n }, (_, i) => orderCreated(T0 + minute * 60_000 + Math.floor((i * 59_000) / n))));
    events.push(orderCreated(T0 + 5 * 60_000));

    // A producer that behaves like order-api's relay: one transaction per chunk, retried until
    // it commits, the producer replaced after a failure. A chunk whose commit outcome was lost
    // is sent again: the aggregator drops those repeats by event id.
    let producer: StringProducer | undefined;
    let retries = 0;
    const send = async (chunk: typeof events): Promise<void> => {
      for (;;) {
        producer ??= createTransactionalProducer({ ...settings, requestTimeoutMs: 3_000 }, 'restart-test-relay');
        try {
          const p = producer;
          await inTransaction(p, (tx) => tx.send({ messages: chunk.map((e) => ({ topic: topics.source, key: e.orderId, value: JSON.stringify(e), headers: { 'event-id': e.eventId, 'event-type': e.type } })) }), { timeoutMs: 5_000 });
          return;
        } catch {
          retries += 1;
          await producer.close(true).catch(() => undefined);
          producer = undefined;
          await sleep(500);
        }
      }
    };

    const chunks: (typeof events)[] = [];
    for (let i = 0; i < events.length; i += 30) chunks.push(events.slice(i, i + 30));
    const half = Math.floor(chunks.length / 2);
    for (const c of chunks.slice(0, half)) await send(c);

    // The broker goes away mid-stream (clean stop) and comes back on the same data.
    await node.stop();
    const sending = (async () => {
      for (const c of chunks.slice(half)) await send(c);
    })();
    await sleep(3_000);
    await node.start();
    await sending;
    await producer?.close();

    let windows;
    try {
      windows = await finalWindows(settings, topics.stats, perMinute.map((_, m) => iso(m)), 180_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- broker log ---\n${node.log().slice(-3_000)}`, { cause: err });
    }
    perMinute.forEach((n, m) => expect(windows.get(iso(m)), iso(m)).toMatchObject({ orderCount: n, final: true }));
    // The outage was real: the producer had to retry.
    expect(retries).toBeGreaterThan(0);
  });
});
