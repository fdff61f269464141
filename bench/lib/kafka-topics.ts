import { randomBytes } from 'node:crypto';
import { createAdmin, ensureTopics, type KafkaClientSettings } from '@orderflow/kafka';
import { stackSetting } from '@orderflow/testkit';

/** The shared stack's broker as client settings. */
export function benchKafkaSettings(clientId: string): KafkaClientSettings {
  return { brokers: stackSetting('KAFKA_BROKERS').split(','), clientId, retryDelayMs: 50 };
}

/**
 * A fresh `order-events` topic for one benchmark run (6 partitions, as the sample pipeline
 * declares) and the order-api environment that publishes to it; `drop()` deletes it.
 */
export async function kafkaPublishingEnv(partitions = 6): Promise<{ topic: string; env: Record<string, string>; drop: () => Promise<void> }> {
  const settings = benchKafkaSettings('bench');
  const topic = `bench-${randomBytes(4).toString('hex')}.order-events`;
  const admin = createAdmin(settings);
  try {
    await ensureTopics(admin, [{ name: topic, partitions }]);
  } finally {
    await admin.close();
  }
  return {
    topic,
    env: { KAFKA_PUBLISH_ENABLED: 'true', KAFKA_BROKERS: settings.brokers.join(','), KAFKA_ORDER_EVENTS_TOPIC: topic, KAFKA_TRANSACTIONAL_ID: `${topic}.relay` },
    drop: async () => {
      const a = createAdmin(settings);
      try {
        await a.deleteTopics({ topics: [topic] }).catch(() => undefined);
      } finally {
        await a.close();
      }
    },
  };
}
