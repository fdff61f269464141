import { TopicMissing, createAdmin, partitionCounts, type KafkaClientSettings } from '@orderflow/kafka';

/**
 * Fails with `TopicMissing` when a topic the indexer reads or dead-letters to does not exist.
 * The OrderPipeline (or hack/run) declares topics; the indexer never creates them, and without
 * its dead-letter topic it could not account for a rejected record, so it refuses to start.
 */
export async function requireTopics(settings: KafkaClientSettings, topics: readonly string[]): Promise<void> {
  const admin = createAdmin(settings);
  try {
    const have = await partitionCounts(admin, [...topics]);
    const missing = topics.find((t) => !have.has(t));
    if (missing !== undefined) throw new TopicMissing([missing]);
  } finally {
    await admin.close();
  }
}
