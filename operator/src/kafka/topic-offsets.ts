import type { Admin } from '@platformatic/kafka';

// ListOffsets' special timestamps: the log end (next offset to be written) and the log start.
const LATEST = -1n;
const EARLIEST = -2n;

/** One partition's log start (`low`) and log end (`high`). */
export interface PartitionRange {
  partition: number;
  low: bigint;
  high: bigint;
}

/** Partition counts of `topics` as the brokers report them now (a missing topic fails). */
export async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const meta = await admin.metadata({ topics: [...topics], forceUpdate: true });
  return new Map(topics.map((t) => [t, meta.topics.get(t)?.partitionsCount ?? 0]));
}

/** Every partition's log start and end offsets. */
export async function topicOffsets(admin: Admin, topic: string): Promise<PartitionRange[]> {
  const count = (await partitionCounts(admin, [topic])).get(topic) ?? 0;
  if (count === 0) return [];
  const ask = async (timestamp: bigint): Promise<Map<number, bigint>> => {
    const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
    return new Map((listed.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
  };
  const [ends, starts] = await Promise.all([ask(LATEST), ask(EARLIEST)]);
  return Array.from({ length: count }, (_, partition) => ({ partition, low: starts.get(partition) ?? 0n, high: ends.get(partition) ?? 0n }));
}

/** A consumer group's committed offsets on `topic` by partition (absent: none committed). */
export async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, bigint>> {
  const [listed] = await admin.listConsumerGroupOffsets({ groups: [group] });
  const partitions = listed?.topics.find((t) => t.name === topic)?.partitions ?? [];
  return new Map(partitions.filter((p) => p.committedOffset >= 0n).map((p) => [p.partitionIndex, p.committedOffset]));
}
