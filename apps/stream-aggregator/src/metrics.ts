import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createPartitionLagGauge, type LagLabels } from '@orderflow/kafka';

/** The aggregator's metrics. */
export interface AggregatorMetrics {
  events: Counter<'outcome'>;
  transactions: Counter<'outcome'>;
  batchSize: Histogram;
  transactionSeconds: Histogram;
  alerts: Counter<'kind'>;
  windowsFinal: Counter;
  /** 1 while this instance owns the partitions (the others are standbys). */
  owner: Gauge;
  restarts: Counter<'reason'>;
  lag: Gauge<LagLabels>;
}

/** Registers the aggregator's metrics. */
export function createAggregatorMetrics(registry: Registry): AggregatorMetrics {
  const registers = [registry];
  return {
    events: new Counter({
      name: 'aggregator_events_total',
      help: 'order-events records by outcome: counted, duplicate (same event id in its window), late (window already final), dead_lettered.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    transactions: new Counter({ name: 'aggregator_transactions_total', help: 'Consume-transform-produce transactions by outcome.', labelNames: ['outcome'] as const, registers }),
    batchSize: new Histogram({ name: 'aggregator_batch_records', help: 'Records per transaction.', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000], registers }),
    transactionSeconds: new Histogram({
      name: 'aggregator_transaction_seconds',
      help: 'Time to produce and commit one transaction (outputs, changelog, offsets).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    alerts: new Counter({ name: 'aggregator_alerts_total', help: 'Anomaly alerts emitted, by kind.', labelNames: ['kind'] as const, registers }),
    windowsFinal: new Counter({ name: 'aggregator_windows_final_total', help: 'Windows emitted as final (empty ones included).', registers }),
    owner: new Gauge({ name: 'aggregator_partitions_owner', help: '1 while this instance owns the order-events partitions; 0 as a standby.', registers }),
    restarts: new Counter({ name: 'aggregator_pipeline_restarts_total', help: 'Pipeline restarts (state restored from the changelog), by reason.', labelNames: ['reason'] as const, registers }),
    lag: createPartitionLagGauge(registry),
  };
}
