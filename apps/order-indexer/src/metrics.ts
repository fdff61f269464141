import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createPartitionLagGauge, type LagLabels } from '@orderflow/kafka';

/** The indexer's metrics. */
export interface IndexerMetrics {
  records: Counter<'topic' | 'outcome'>;
  bulkRequests: Counter<'outcome'>;
  bulkSeconds: Histogram;
  batchSize: Histogram;
  /** 1 while a batch waits for OpenSearch (consumption paused). */
  backpressure: Gauge;
  bulkRetries: Counter;
  /** Kafka record timestamp to bulk acknowledged (searchable within the refresh interval). */
  indexLagSeconds: Histogram;
  restarts: Counter<'reason'>;
  retentionDeleted: Counter;
  lag: Gauge<LagLabels>;
}

/** Registers the indexer's metrics. */
export function createIndexerMetrics(registry: Registry): IndexerMetrics {
  const registers = [registry];
  return {
    records: new Counter({
      name: 'indexer_records_total',
      help: 'Kafka records by topic and outcome: indexed, duplicate (event id already indexed), dead_lettered.',
      labelNames: ['topic', 'outcome'] as const,
      registers,
    }),
    bulkRequests: new Counter({ name: 'indexer_bulk_requests_total', help: 'Bulk requests by outcome: ok, partial_retry, failed (no answer).', labelNames: ['outcome'] as const, registers }),
    bulkSeconds: new Histogram({ name: 'indexer_bulk_seconds', help: 'Duration of one bulk request.', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    batchSize: new Histogram({ name: 'indexer_batch_records', help: 'Records per committed batch.', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000], registers }),
    backpressure: new Gauge({ name: 'indexer_backpressure', help: '1 while consumption is paused because OpenSearch does not take the batch in hand.', registers }),
    bulkRetries: new Counter({ name: 'indexer_bulk_retries_total', help: 'Bulk attempts repeated because OpenSearch was down, slow or full.', registers }),
    indexLagSeconds: new Histogram({
      name: 'indexer_index_lag_seconds',
      help: 'Kafka record timestamp to the bulk acknowledgement of its documents.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    restarts: new Counter({ name: 'indexer_pipeline_restarts_total', help: 'Consumer restarts (uncommitted records are read again), by reason.', labelNames: ['reason'] as const, registers }),
    retentionDeleted: new Counter({ name: 'indexer_retention_deleted_indices_total', help: 'Monthly event indices deleted by the retention sweeper.', registers }),
    lag: createPartitionLagGauge(registry),
  };
}
