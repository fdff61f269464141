import { Consumer, stringDeserializers, MessagesStreamModes } from '@platformatic/kafka';
import { createAdmin, ensureTopics, kafkaClientOptions, type KafkaClientSettings, type TopicSpec } from '@orderflow/kafka';
import { stackSetting } from './stack-env.ts';
import { uniqueName, waitFor } from './wait-for.ts';

/** Client settings for the shared stack's broker (or `brokers`, e.g. a throwaway node). */
export function testKafkaSettings(clientId: string, brokers = stackSetting('KAFKA_BROKERS')): KafkaClientSettings {
  return { brokers: brokers.split(','), clientId, retryDelayMs: 50, requestTimeoutMs: 15_000 };
}

/** One record as read back by a test. */
export interface ReadRecord {
  key: string;
  value: string;
  partition: number;
  offset: bigint;
  headers: Record<string, string>;
}

/** Creates topics for one test (with an admin client; never broker auto-create). */
export async function createTestTopics(settings: KafkaClientSettings, specs: TopicSpec[]): Promise<void> {
  const admin = createAdmin(settings);
  try {
    await ensureTopics(admin, specs);
  } finally {
    await admin.close();
  }
}

/** Deletes topics a test created; missing ones are ignored. */
export async function deleteTestTopics(settings: KafkaClientSettings, topics: string[]): Promise<void> {
  const admin = createAdmin(settings);
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.close();
  }
}

/**
 * Reads `topic` from the beginning with read_committed (a fresh group) until `until` holds for
 * what was read, or fails after `timeoutMs`. Records of aborted transactions never show.
 */
export async function readTopic(
  settings: KafkaClientSettings,
  topic: string,
  until: (records: ReadRecord[]) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<ReadRecord[]> {
  const consumer = new Consumer({ ...kafkaClientOptions(settings), groupId: uniqueName('test-reader'), deserializers: stringDeserializers, maxWaitTime: 200 });
  const records: ReadRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    stream.on('data', (m) => {
      records.push({ key: m.key, value: m.value, partition: m.partition, offset: m.offset, headers: Object.fromEntries(m.headers) });
    });
    await waitFor(() => until(records), { timeoutMs: options.timeoutMs ?? 60_000, what: options.what ?? `records on ${topic}` });
    await stream.close();
    return [...records];
  } finally {
    await consumer.close(true);
  }
}
