import { Type, env, loadConfig, type Static } from '@orderflow/config';

/** Environment of the payment worker; every variable is documented by its schema. */
export const WorkerConfigSchema = Type.Object({
  /** Port of /healthz, /readyz, /metrics and the admin replay endpoint. */
  PORT: env.port(8081),
  HOST: env.string({ default: '0.0.0.0' }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  /** postgres:// URL with credentials: a secret (or DATABASE_URL_FILE), never printed. */
  DATABASE_URL: env.secret(),
  DATABASE_POOL_SIZE: env.int({ default: 4, minimum: 1, maximum: 100 }),
  /** amqp:// URL with credentials: a secret (or RABBITMQ_URL_FILE), never printed. */
  RABBITMQ_URL: env.secret(),
  /** Unacknowledged messages the broker may push to this worker at once. */
  PREFETCH: env.int({ default: 200, minimum: 1, maximum: 65_535 }),
  /** Charges in flight at once (HTTP calls to the provider). */
  CONCURRENCY: env.int({ default: 64, minimum: 1, maximum: 10_000 }),
  /** Most messages settled per database transaction (and per ack). */
  BATCH_SIZE: env.int({ default: 200, minimum: 1, maximum: 10_000 }),
  /** Batches being written at once (each its own transaction; rows are locked in id order). */
  FLUSH_CONCURRENCY: env.int({ default: 2, minimum: 1, maximum: 32 }),
  /** How long a partial batch may wait for more results before it is written. */
  BATCH_LINGER_MS: env.int({ default: 5, minimum: 0, maximum: 1_000 }),
  PROVIDER_URL: env.url(['http', 'https']),
  /** Per-attempt timeout of a charge call. */
  PROVIDER_TIMEOUT_MS: env.int({ default: 2_000, minimum: 10, maximum: 60_000 }),
  /** In-process retries of a failed charge call before the message goes to a delay queue. */
  PROVIDER_RETRIES: env.int({ default: 2, minimum: 0, maximum: 10 }),
  PROVIDER_RETRY_INITIAL_MS: env.int({ default: 50, minimum: 1, maximum: 60_000 }),
  PROVIDER_RETRY_MAX_MS: env.int({ default: 1_000, minimum: 1, maximum: 60_000 }),
  /** Consecutive failed calls that open the circuit breaker. */
  BREAKER_THRESHOLD: env.int({ default: 10, minimum: 1, maximum: 10_000 }),
  /** How long the breaker stays open before letting a trial call through. */
  BREAKER_HALF_OPEN_MS: env.int({ default: 5_000, minimum: 10, maximum: 600_000 }),
  /** Message-level retries through the delay queues before a message is dead-lettered. */
  MAX_RETRIES: env.int({ default: 3, minimum: 1, maximum: 10 }),
  /** TTL of delay queue 1; each next queue waits RETRY_BACKOFF_FACTOR times longer. */
  RETRY_INITIAL_DELAY_MS: env.int({ default: 1_000, minimum: 1, maximum: 3_600_000 }),
  RETRY_BACKOFF_FACTOR: env.int({ default: 5, minimum: 1, maximum: 100 }),
  /** TTL of the parking queue used while the breaker is open. */
  PARK_DELAY_MS: env.int({ default: 5_000, minimum: 1, maximum: 3_600_000 }),
  /** Bearer token of POST /admin/replay-dlq; the endpoint is refused when unset. */
  ADMIN_TOKEN: env.optional(env.secret({ minLength: 16 })),
  /** When set (local runs), a file_sd target for this instance's /metrics is written there. */
  PROMETHEUS_TARGETS_DIR: env.optional(env.string({ minLength: 1 })),
  /** Address Prometheus should scrape, default `127.0.0.1:<PORT>`. */
  METRICS_ADVERTISE_ADDRESS: env.optional(env.string({ minLength: 3 })),
  /** Time allowed for draining in-flight messages on SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 25_000, minimum: 100, maximum: 600_000 }),
});

export type WorkerConfig = Readonly<Static<typeof WorkerConfigSchema>>;

/** Parses the worker's environment once; a bad value fails naming the variable. */
export function loadWorkerConfig(source: Record<string, string | undefined> = process.env): WorkerConfig {
  return loadConfig(WorkerConfigSchema, source);
}

/** TTL of delay queue `n` (1-based): initial × factorⁿ⁻¹. */
export function retryDelayMs(config: Pick<WorkerConfig, 'RETRY_INITIAL_DELAY_MS' | 'RETRY_BACKOFF_FACTOR'>, n: number): number {
  return config.RETRY_INITIAL_DELAY_MS * config.RETRY_BACKOFF_FACTOR ** (n - 1);
}
