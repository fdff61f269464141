import { hostname } from 'node:os';
import { Type, env, loadConfig, type Static } from '@orderflow/config';
import { kafkaConsumerSettings } from '@orderflow/consumer-contract';
import { KafkaConfigSchema, TOPICS } from '@orderflow/kafka';

/**
 * Every variable the order indexer reads: its source (port, the order events topic, group,
 * offset reset policy) under the names the operator sets (`@orderflow/consumer-contract`; the
 * group is the OrderPipeline's `source.group`), the Kafka connection from @orderflow/kafka, and
 * its own settings. Without the operator it starts from the earliest offset: nothing retained
 * is skipped.
 */
export const ConfigSchema = Type.Object({
  ...kafkaConsumerSettings({ port: 8086, topic: TOPICS.orderEvents, group: 'order-indexer', offsetReset: 'earliest' }),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info'),
  ...KafkaConfigSchema,
  /** Stable per instance (the pod name): static group membership. */
  POD_NAME: env.string({ default: hostname(), minLength: 1 }),
  ALERTS_TOPIC: env.string({ default: TOPICS.orderAlerts, minLength: 1 }),
  /** Records OpenSearch refuses (mapping violations) or that are not order events, with the reason. */
  DEAD_LETTER_TOPIC: env.string({ default: 'order-indexer.dlt', minLength: 1 }),
  /** The OpenSearch (or Elasticsearch-compatible) endpoint, e.g. http://127.0.0.1:9200. */
  OPENSEARCH_URL: env.string({ minLength: 8, pattern: '^https?://' }),
  /** Basic-auth user when the cluster has its security plugin (production); unset: anonymous. */
  OPENSEARCH_USERNAME: env.optional(env.string({ minLength: 1 })),
  OPENSEARCH_PASSWORD: env.optional(env.secret()),
  /** Prefix of every index, alias and template the indexer owns. */
  INDEX_PREFIX: env.string({ default: 'orderflow', minLength: 1, pattern: '^[a-z0-9][a-z0-9_-]*$' }),
  /** Monthly event indices older than this many months are deleted (ISM policy, or the sweeper). */
  RETENTION_MONTHS: env.int({ default: 13, minimum: 1, maximum: 120 }),
  BATCH_MAX_RECORDS: env.int({ default: 1_000, minimum: 1, maximum: 20_000 }),
  BATCH_MAX_WAIT_MS: env.int({ default: 200, minimum: 1, maximum: 10_000 }),
  /** Longest wait between two attempts of a bulk request OpenSearch could not take. */
  BULK_RETRY_MAX_MS: env.int({ default: 5_000, minimum: 10, maximum: 300_000 }),
  OPENSEARCH_REQUEST_TIMEOUT_MS: env.int({ default: 30_000, minimum: 100, maximum: 600_000 }),
  KAFKA_SESSION_TIMEOUT_MS: env.int({ default: 10_000, minimum: 1_000, maximum: 300_000 }),
  LAG_INTERVAL_MS: env.int({ default: 5_000, minimum: 100, maximum: 300_000 }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 20_000, minimum: 100, maximum: 600_000 }),
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
});

export type IndexerConfig = Readonly<Static<typeof ConfigSchema>>;

/** Reads the environment once; fails naming every bad variable. */
export function readConfig(source: Record<string, string | undefined> = process.env): IndexerConfig {
  return loadConfig(ConfigSchema, source);
}
