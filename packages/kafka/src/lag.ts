import { FetchIsolationLevels } from '@platformatic/kafka';
import { Gauge, type Registry } from 'prom-client';
import type { StringConsumer } from './consumer.ts';

/** Labels of {@link createPartitionLagGauge}. */
export type LagLabels = 'topic' | 'partition' | 'group';

/** The per-partition lag gauge every Kafka consumer exposes (the same name in every app). */
export function createPartitionLagGauge(registry: Registry): Gauge<LagLabels> {
  const existing = registry.getSingleMetric('kafka_consumer_lag_records');
  if (existing !== undefined) return existing as Gauge<LagLabels>;
  return new Gauge({
    name: 'kafka_consumer_lag_records',
    help: 'Committed records in a partition the group has not processed yet (last stable offset minus position), per assigned partition',
    labelNames: ['topic', 'partition', 'group'] as const,
    registers: [registry],
  });
}

/**
 * Lag per assigned partition: the last stable offset (read_committed end of the log) minus the
 * next offset the caller will process. `positions` maps `topic` to `partition -> next offset`,
 * for the partitions it owns; the consumer's own view is not used because offsets committed
 * inside transactions never reach it.
 */
export async function measureLag(consumer: StringConsumer, positions: ReadonlyMap<string, ReadonlyMap<number, bigint>>): Promise<Map<string, Map<number, bigint>>> {
  const topics = [...positions.keys()];
  const out = new Map<string, Map<number, bigint>>();
  if (topics.length === 0) return out;
  const ends = await consumer.listOffsets({ topics, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
  for (const [topic, owned] of positions) {
    const perTopic = new Map<number, bigint>();
    const endOffsets = ends.get(topic) ?? [];
    for (const [partition, next] of owned) {
      const end = endOffsets[partition];
      if (end !== undefined) perTopic.set(partition, end > next ? end - next : 0n);
    }
    out.set(topic, perTopic);
  }
  return out;
}

/** Replaces the gauge's series with one lag snapshot (partitions no longer owned vanish); one group per registry. */
export function recordLag(gauge: Gauge<LagLabels>, group: string, lag: ReadonlyMap<string, ReadonlyMap<number, bigint>>): void {
  gauge.reset();
  for (const [topic, partitions] of lag) {
    for (const [partition, value] of partitions) gauge.set({ topic, partition: String(partition), group }, Number(value));
  }
}
