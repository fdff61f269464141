import { Admin } from '@platformatic/kafka';
import { toKafkaError } from './classify.ts';
import { kafkaClientOptions, type KafkaClientSettings } from './client-options.ts';
import { PartitionsShrink } from './errors.ts';

/** A topic as the OrderPipeline (or a test) declares it. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor?: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

/** An admin client from the shared settings. */
export function createAdmin(settings: KafkaClientSettings): Admin {
  return new Admin(kafkaClientOptions(settings));
}

/** Partition count per existing topic among `topics` (missing topics are absent). */
export async function partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const out = new Map<string, number>();
  if (present.length === 0) return out;
  const metadata = await admin.metadata({ topics: present, forceUpdate: true });
  for (const [name, topic] of metadata.topics) out.set(name, topic.partitionsCount);
  return out;
}

/**
 * Creates the topics that do not exist yet (what `hack/run`, tests and benchmarks do; in a
 * cluster the operator does it from the OrderPipeline). Existing topics are left as they are.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  const have = await partitionCounts(admin, specs.map((s) => s.name));
  for (const spec of specs.filter((s) => !have.has(s.name))) {
    try {
      await admin.createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: spec.replicationFactor ?? 1,
        configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      });
    } catch (err) {
      // Another process created it meanwhile: that is the state we wanted.
      if ((await partitionCounts(admin, [spec.name])).has(spec.name)) continue;
      throw toKafkaError(`create topic ${spec.name}`, err);
    }
  }
}

/**
 * Grows `topic` to `count` partitions (a no-op when it has them). Kafka cannot shrink a topic,
 * so a smaller count is refused with a coded error. New partitions change where keys hash to:
 * see docs/kafka.md for what that means for per-order ordering.
 */
export async function growPartitions(admin: Admin, topic: string, count: number): Promise<void> {
  const have = (await partitionCounts(admin, [topic])).get(topic);
  if (have === undefined) throw toKafkaError(`grow partitions of ${topic}`, new Error('topic does not exist'));
  if (count < have) throw new PartitionsShrink([topic, have, count]);
  if (count === have) return;
  try {
    await admin.createPartitions({ topics: [{ name: topic, count }] });
  } catch (err) {
    throw toKafkaError(`grow partitions of ${topic}`, err);
  }
}
