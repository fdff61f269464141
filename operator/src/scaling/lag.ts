import type { KafkaAdminSession } from '../kafka/admin-session.ts';
import { committedOffsets, topicOffsets } from '../kafka/topic-offsets.ts';
import type { ConsumerSpec, OrderPipeline } from '../api/order-pipeline.ts';
import { KafkaAdminFailed } from '../errors.ts';
import type { ManagementClient } from '../rabbitmq/management-client.ts';

/** A partition's log end and start, and the group's committed offset (-1: none). */
export interface PartitionOffsets {
  partition: number;
  high: bigint;
  low: bigint;
  committed: bigint;
}

/** Where a consumer group starts on a partition it has no valid committed offset for (Kafka's `auto.offset.reset`). */
export type OffsetResetPolicy = 'latest' | 'earliest';

/**
 * Consumer-group lag summed over partitions, following the group's `auto.offset.reset` as
 * KEDA's Kafka scaler does (`offsetResetPolicy`). A partition without a committed offset, or
 * whose committed offset fell off retention, is where the consumer will reset: `latest` starts
 * at the log end, so it adds nothing (a new group does not scale straight to its maximum);
 * `earliest` starts at the log start, so everything retained is lag. (KEDA counts 1 for
 * `latest` so that it does not scale to zero; here minReplicas is at least 1.)
 */
export function kafkaLag(partitions: readonly PartitionOffsets[], policy: OffsetResetPolicy): number {
  let lag = 0n;
  for (const p of partitions) {
    const valid = p.committed >= 0n && p.committed >= p.low && p.committed <= p.high;
    const from = valid ? p.committed : policy === 'earliest' ? p.low : p.high;
    if (p.high > from) lag += p.high - from;
  }
  return Number(lag);
}

/** RabbitMQ backlog: ready plus unacknowledged messages. */
export function rabbitBacklog(q: { messagesReady: number; messagesUnacknowledged: number }): number {
  return q.messagesReady + q.messagesUnacknowledged;
}

/** The brokers a lag reader talks to. */
export interface LagSources {
  rabbit: ManagementClient | undefined;
  kafka: KafkaAdminSession | undefined;
}

/** Measures one consumer's lag (Kafka) or backlog (RabbitMQ) on the real broker. */
export async function measureLag(sources: LagSources, p: OrderPipeline, c: ConsumerSpec): Promise<number> {
  if (c.source.queue !== undefined) {
    if (sources.rabbit === undefined) throw new TypeError('RabbitMQ is not configured');
    const q = await sources.rabbit.getQueue(p.spec.rabbitmq?.vhost ?? '/', c.source.queue);
    return q === undefined ? 0 : rabbitBacklog(q);
  }
  const topic = c.source.topic!;
  if (sources.kafka === undefined) throw new TypeError('Kafka is not configured');
  try {
    const [ends, committed] = await sources.kafka.use(async (admin) => Promise.all([topicOffsets(admin, topic), committedOffsets(admin, c.source.group!, topic)]));
    return kafkaLag(
      ends.map((e) => ({ ...e, committed: committed.get(e.partition) ?? -1n })),
      c.source.offsetResetPolicy ?? 'latest',
    );
  } catch (err) {
    throw new KafkaAdminFailed([`reading lag of ${c.source.group} on ${topic}`, err instanceof Error ? err.message : String(err)], { cause: err });
  }
}
