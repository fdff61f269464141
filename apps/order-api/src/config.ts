import { ConfigError, Type, env, loadConfig, type Static } from '@orderflow/config';
import { KafkaConfigSchema } from '@orderflow/kafka';

/** Every variable order-api reads; `DATABASE_URL` and `RABBITMQ_URL` may come from `<NAME>_FILE`. */
export const ConfigSchema = Type.Object({
  PORT: env.port(8080),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info'),
  /** Log every request (off by default: at thousands of orders a second it costs more than it tells). */
  LOG_REQUESTS: env.bool(false),
  DATABASE_URL: env.secret(),
  RABBITMQ_URL: env.secret(),
  DB_POOL_MAX: env.int({ default: 16, minimum: 2, maximum: 200 }),
  MIGRATE_ON_START: env.bool(true),
  /** Largest accepted request body; larger ones get 413 HTTP_ERR_BODY_TOO_LARGE. */
  BODY_LIMIT_BYTES: env.int({ default: 65_536, minimum: 1_024, maximum: 10_485_760 }),
  /** Orders written per INSERT statement at most. */
  INTAKE_MAX_BATCH: env.int({ default: 500, minimum: 1, maximum: 5_000 }),
  /** INSERT statements in flight at once; requests arriving meanwhile join the next batch. */
  INTAKE_MAX_CONCURRENT_WRITES: env.int({ default: 2, minimum: 1, maximum: 64 }),
  RELAY_ENABLED: env.bool(true),
  /**
   * `pipeline` when an OrderPipeline owns the payments queue (the chart's default pipeline):
   * order-api then declares only its exchanges and the other queues (declareOrderTopology).
   */
  PAYMENTS_TOPOLOGY: env.oneOf(['declare', 'pipeline'] as const, 'declare'),
  RELAY_BATCH_SIZE: env.int({ default: 1_000, minimum: 1, maximum: 10_000 }),
  RELAY_CONFIRM_WINDOW: env.int({ default: 500, minimum: 1, maximum: 10_000 }),
  /**
   * Longest wait for a batch's publisher confirms (a memory alarm or a stalled link stalls them):
   * then the relay rolls back, releasing the rows' locks, and retries with backoff.
   */
  RELAY_CONFIRM_TIMEOUT_MS: env.int({ default: 10_000, minimum: 100, maximum: 300_000 }),
  /**
   * PostgreSQL ends a session idle inside a transaction this long (releasing its locks). Must be
   * longer than RELAY_CONFIRM_TIMEOUT_MS, the relay's deliberate wait inside its transaction.
   */
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: env.int({ default: 60_000, minimum: 1_000, maximum: 3_600_000 }),
  /** Fallback poll when no notification arrives (rows written by other processes). */
  RELAY_POLL_INTERVAL_MS: env.int({ default: 500, minimum: 10, maximum: 60_000 }),
  /** Longest wait between attempts while RabbitMQ is down. */
  RELAY_MAX_BACKOFF_MS: env.int({ default: 5_000, minimum: 10, maximum: 300_000 }),
  /** Published outbox rows are kept this long (for audits and replays), then deleted. */
  OUTBOX_RETENTION_HOURS: env.number({ default: 24, minimum: 0, maximum: 24 * 365 }),
  /** Also publish the outbox's order events to Kafka `order-events` (needs KAFKA_BROKERS). */
  KAFKA_PUBLISH_ENABLED: env.bool(false),
  ...KafkaConfigSchema,
  KAFKA_BROKERS: env.optional(KafkaConfigSchema.KAFKA_BROKERS),
  /** The topic order events go to (the OrderPipeline's; benchmarks use their own). */
  KAFKA_ORDER_EVENTS_TOPIC: env.string({ default: 'order-events', minLength: 1 }),
  /** Outbox rows per Kafka transaction at most. */
  KAFKA_RELAY_BATCH_SIZE: env.int({ default: 1_000, minimum: 1, maximum: 10_000 }),
  /**
   * Longest one Kafka transaction of the relay may take (the client itself retries an unreachable
   * cluster without end); must be below DB_IDLE_IN_TRANSACTION_TIMEOUT_MS.
   */
  KAFKA_TRANSACTION_TIMEOUT_MS: env.int({ default: 15_000, minimum: 100, maximum: 300_000 }),
  /** Shared by every replica: the one that takes over the relay fences the one before. */
  KAFKA_TRANSACTIONAL_ID: env.string({ default: 'order-api-outbox-relay', minLength: 1 }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 20_000, minimum: 100, maximum: 600_000 }),
  /**
   * Bearer token that may list every customer's orders (`GET /orders` without `customerId`).
   * Unset: listing always needs `customerId`. At least 32 characters; `ORDERS_ADMIN_TOKEN_FILE`
   * reads it from a mounted Secret.
   */
  ORDERS_ADMIN_TOKEN: env.optional(env.secret({ minLength: 32 })),
  /** When set (local runs), a file_sd target for this instance's /metrics is written there. */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
});

export type OrderApiConfig = Readonly<Static<typeof ConfigSchema>>;

/** Reads the environment once; fails naming every bad variable. */
export function readConfig(source: Record<string, string | undefined> = process.env): OrderApiConfig {
  const config = loadConfig(ConfigSchema, source);
  if (config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS <= config.RELAY_CONFIRM_TIMEOUT_MS) {
    // PostgreSQL would end the relay's session while it legitimately waits for confirms.
    throw new ConfigError([
      `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: must be greater than RELAY_CONFIRM_TIMEOUT_MS (${config.RELAY_CONFIRM_TIMEOUT_MS}), got ${config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
    ]);
  }
  if (config.KAFKA_PUBLISH_ENABLED && config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS <= config.KAFKA_TRANSACTION_TIMEOUT_MS) {
    throw new ConfigError([
      `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: must be greater than KAFKA_TRANSACTION_TIMEOUT_MS (${config.KAFKA_TRANSACTION_TIMEOUT_MS}), got ${config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
    ]);
  }
  if (config.KAFKA_PUBLISH_ENABLED && config.KAFKA_BROKERS === undefined) {
    throw new ConfigError(['KAFKA_BROKERS: required when KAFKA_PUBLISH_ENABLED is true']);
  }
  return config;
}
