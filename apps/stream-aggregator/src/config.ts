import { hostname } from 'node:os';
import { ConfigError, Type, env, loadConfig, type Static } from '@orderflow/config';
import { kafkaConsumerSettings } from '@orderflow/consumer-contract';
import { KafkaConfigSchema, TOPICS } from '@orderflow/kafka';

/**
 * Every variable the stream aggregator reads: its source (port, topic, group, offset reset
 * policy) under the names the operator sets (`@orderflow/consumer-contract`), the Kafka
 * connection from @orderflow/kafka, and its own settings.
 */
export const ConfigSchema = Type.Object({
  ...kafkaConsumerSettings({ port: 8085, topic: TOPICS.orderEvents, group: 'stream-aggregator' }),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info'),
  ...KafkaConfigSchema,
  /** Stable per instance (the pod name): static group membership and the transactional id. */
  POD_NAME: env.string({ default: hostname(), minLength: 1 }),
  KAFKA_TRANSACTIONAL_ID_PREFIX: env.string({ default: 'stream-aggregator', minLength: 1 }),
  STATS_TOPIC: env.string({ default: TOPICS.orderStats, minLength: 1 }),
  ALERTS_TOPIC: env.string({ default: TOPICS.orderAlerts, minLength: 1 }),
  DEAD_LETTER_TOPIC: env.string({ default: TOPICS.orderEventsDeadLetter, minLength: 1 }),
  CHANGELOG_TOPIC: env.string({ default: TOPICS.aggregatorChangelog, minLength: 1 }),
  /** How long after a window's end (in event time) its late events still count. */
  WINDOW_ALLOWED_LATENESS_MS: env.int({ default: 30_000, minimum: 0, maximum: 3_600_000 }),
  /**
   * A source partition without records this long (processing time) stops holding the watermark
   * back, so quiet partitions do not keep every window open.
   */
  IDLE_PARTITION_MS: env.int({ default: 30_000, minimum: 100, maximum: 3_600_000 }),
  /** More orders than this in a minute is a `threshold_high` alert (unset: no such rule). */
  ALERT_THRESHOLD_HIGH: env.optional(env.int({ minimum: 0 })),
  /** Fewer orders than this in a minute is a `threshold_low` alert (unset: no such rule). */
  ALERT_THRESHOLD_LOW: env.optional(env.int({ minimum: 0 })),
  ALERT_SIGMA: env.number({ default: 3, minimum: 0.5, maximum: 20 }),
  /** The sigma rule compares a window with the last N final windows. */
  ALERT_SIGMA_WINDOWS: env.int({ default: 30, minimum: 2, maximum: 1_440 }),
  /** ... once at least this many exist. */
  ALERT_SIGMA_MIN_WINDOWS: env.int({ default: 5, minimum: 2, maximum: 1_440 }),
  BATCH_MAX_RECORDS: env.int({ default: 1_000, minimum: 1, maximum: 50_000 }),
  BATCH_MAX_WAIT_MS: env.int({ default: 100, minimum: 1, maximum: 10_000 }),
  /** Longest one transaction may take before the run restarts from the changelog. */
  KAFKA_TRANSACTION_TIMEOUT_MS: env.int({ default: 20_000, minimum: 100, maximum: 300_000 }),
  KAFKA_SESSION_TIMEOUT_MS: env.int({ default: 10_000, minimum: 1_000, maximum: 300_000 }),
  LAG_INTERVAL_MS: env.int({ default: 5_000, minimum: 100, maximum: 300_000 }),
  /** Windows and alerts the API keeps in memory. */
  API_KEEP_WINDOWS: env.int({ default: 120, minimum: 1, maximum: 100_000 }),
  API_KEEP_ALERTS: env.int({ default: 100, minimum: 1, maximum: 100_000 }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 20_000, minimum: 100, maximum: 600_000 }),
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
});

export type AggregatorConfig = Readonly<Static<typeof ConfigSchema>>;

/** Reads the environment once; fails naming every bad variable. */
export function readConfig(source: Record<string, string | undefined> = process.env): AggregatorConfig {
  const config = loadConfig(ConfigSchema, source);
  if (config.ALERT_SIGMA_MIN_WINDOWS > config.ALERT_SIGMA_WINDOWS) {
    throw new ConfigError([`ALERT_SIGMA_MIN_WINDOWS: must be at most ALERT_SIGMA_WINDOWS (${config.ALERT_SIGMA_WINDOWS}), got ${config.ALERT_SIGMA_MIN_WINDOWS}`]);
  }
  return config;
}
