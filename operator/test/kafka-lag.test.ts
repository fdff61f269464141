import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackSetting, uniqueName, waitFor } from '@orderflow/testkit';
import { KafkaAdminSession } from '../src/kafka/admin-session.ts';
import { topicOffsets } from '../src/kafka/topic-offsets.ts';
import { measureLag } from '../src/scaling/lag.ts';
import { commitOffsets, produce } from './brokers.ts';
import { pipeline } from './fixtures.ts';

// Lag as the autoscaler reads it, on the real Kafka: a consumer group that never committed.
const topic = uniqueName('op-lag');
const group = `${topic}-new-group`;
const warnings: Error[] = [];
const onWarning = (w: Error): void => {
  warnings.push(w);
};
let session: KafkaAdminSession;

const spec = (offsetResetPolicy?: 'latest' | 'earliest'): ReturnType<typeof pipeline> =>
  pipeline({
    kafka: { topics: [{ name: topic, partitions: 2, replicationFactor: 1 }] },
    consumers: [{ name: 'agg', image: 'x', source: { topic, group, ...(offsetResetPolicy === undefined ? {} : { offsetResetPolicy }) }, scaling: { maxReplicas: 10 } }],
  });

beforeAll(async () => {
  process.on('warning', onWarning);
  session = new KafkaAdminSession({ clientId: 'operator-lag-test', brokers: stackSetting('KAFKA_BROKERS').split(',') });
  await session.use(async (admin) => admin.createTopics({ topics: [{ topic, partitions: 2, replicas: 1 }] }));
  await produce(topic, Array.from({ length: 500 }, (_, i) => ({ key: `order-${i}`, value: 'created' })));
});

afterAll(async () => {
  process.off('warning', onWarning);
  await session?.use(async (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
  await session?.close();
});

describe('Kafka consumer lag (real Kafka)', () => {
  it('a new group (no committed offsets) has no lag with the default latest policy, so it does not scale straight to max', async () => {
    const p = spec();
    expect(await measureLag({ rabbit: undefined, kafka: session }, p, p.spec.consumers[0]!)).toBe(0);
  });

  it('with earliest, everything retained is lag', async () => {
    const p = spec('earliest');
    expect(await measureLag({ rabbit: undefined, kafka: session }, p, p.spec.consumers[0]!)).toBe(500);
  });

  it('once the group commits, lag counts from its offsets whatever the policy', async () => {
    const offsets = await session.use(async (admin) => topicOffsets(admin, topic));
    await session.use(async (admin) => commitOffsets(admin, group, topic, offsets.map((o) => ({ partition: o.partition, offset: o.high > 10n ? o.high - 10n : 0n }))));
    for (const policy of ['latest', 'earliest'] as const) {
      const p = spec(policy);
      await waitFor(async () => (await measureLag({ rabbit: undefined, kafka: session }, p, p.spec.consumers[0]!)) === 20, { what: `lag 20 with ${policy}`, timeoutMs: 15_000 });
    }
  });

  it('the admin session arms no timer with a negative delay (kafkajs, the client before, scheduled one after every response)', async () => {
    for (let i = 0; i < 5; i++) await session.use(async (admin) => topicOffsets(admin, topic));
    await new Promise((r) => setTimeout(r, 100));
    expect(warnings.filter((w) => w.name === 'TimeoutNegativeWarning').map((w) => w.message)).toEqual([]);
  });
});
