import { Counter, Histogram, type Registry } from 'prom-client';

/** Metrics of the outbox relay to Kafka (the RabbitMQ relay's are in ../metrics.ts). */
export interface KafkaRelayMetrics {
  batches: Counter<'outcome'>;
  rows: Counter;
  lagSeconds: Histogram;
}

/** Registers the Kafka relay's metrics. */
export function createKafkaRelayMetrics(registry: Registry): KafkaRelayMetrics {
  const registers = [registry];
  return {
    batches: new Counter({
      name: 'outbox_kafka_relay_batches_total',
      help: 'Kafka relay attempts by outcome (published, kafka_unavailable, failed, fenced, standby).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    rows: new Counter({ name: 'outbox_kafka_relay_published_rows_total', help: 'Outbox rows committed to Kafka order-events and marked sent.', registers }),
    lagSeconds: new Histogram({
      name: 'outbox_kafka_relay_lag_seconds',
      help: 'Time from an outbox row being written to it being committed to Kafka.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
